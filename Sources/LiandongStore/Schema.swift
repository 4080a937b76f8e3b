import GRDB
import LiandongCore

/// The database schema, as explicit migrations. Tables named `p_*` are projections: derived from
/// the change log, dropped and replayed by `rebuild`, and covered by the projection digest. The
/// others (`changes`, `fork_proofs`, `quarantine`) are the record itself.
enum Schema {
  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1: change log and lead projections") { db in
      try db.execute(
        sql: """
          CREATE TABLE changes (
            id BLOB PRIMARY KEY,
            origin TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            hlc_wall INTEGER NOT NULL,
            hlc_counter INTEGER NOT NULL,
            header BLOB NOT NULL,
            signature BLOB NOT NULL,
            body BLOB,
            received_at TEXT NOT NULL,
            UNIQUE (origin, sequence)
          );
          CREATE INDEX changes_by_time ON changes (hlc_wall, hlc_counter);

          CREATE TABLE fork_proofs (
            origin TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            held_id BLOB NOT NULL,
            held_header BLOB NOT NULL,
            held_signature BLOB NOT NULL,
            other_id BLOB NOT NULL,
            other_header BLOB NOT NULL,
            other_signature BLOB NOT NULL,
            detected_at TEXT NOT NULL,
            PRIMARY KEY (origin, sequence, other_id)
          );
          CREATE TABLE quarantine (
            origin TEXT PRIMARY KEY,
            sequence INTEGER NOT NULL,
            since TEXT NOT NULL
          );

          CREATE TABLE p_certificates (
            fingerprint BLOB PRIMARY KEY,
            node TEXT NOT NULL,
            serial TEXT NOT NULL,
            subject TEXT NOT NULL,
            not_before TEXT NOT NULL,
            not_after TEXT NOT NULL,
            chain_pem TEXT NOT NULL,
            announced_in BLOB NOT NULL
          );
          CREATE TABLE p_operations (
            object_id BLOB NOT NULL,
            change_id BLOB NOT NULL,
            op_index INTEGER NOT NULL,
            PRIMARY KEY (object_id, change_id, op_index)
          );
          CREATE TABLE p_subjects (
            id TEXT PRIMARY KEY,
            origin TEXT NOT NULL,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            uscc TEXT,
            registered_division TEXT,
            business_division TEXT,
            platform TEXT,
            shop_id TEXT,
            url TEXT,
            created_wall INTEGER NOT NULL,
            created_counter INTEGER NOT NULL,
            audience TEXT NOT NULL
          );
          CREATE INDEX p_subjects_by_uscc ON p_subjects (uscc);
          CREATE TABLE p_leads (
            id TEXT PRIMARY KEY,
            origin TEXT NOT NULL,
            owner TEXT NOT NULL,
            state TEXT NOT NULL,
            source TEXT NOT NULL,
            violations TEXT NOT NULL,
            subject_ids TEXT NOT NULL,
            product_category TEXT NOT NULL,
            summary TEXT NOT NULL,
            risk TEXT NOT NULL,
            source_reliability TEXT NOT NULL,
            information_reliability INTEGER NOT NULL,
            reporter_real_name INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            created_wall INTEGER NOT NULL,
            created_counter INTEGER NOT NULL,
            updated_wall INTEGER NOT NULL,
            updated_counter INTEGER NOT NULL,
            audience TEXT NOT NULL
          );
          CREATE TABLE p_refusals (
            change_id TEXT NOT NULL,
            op_index INTEGER NOT NULL,
            object_id TEXT NOT NULL,
            origin TEXT NOT NULL,
            code TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (change_id, op_index)
          );
          CREATE INDEX p_refusals_by_object ON p_refusals (object_id);
          """)
    }
    migrator.registerMigration("v2: peers") { db in
      // Where this node syncs to. Local configuration, never replicated.
      try db.execute(
        sql: """
          CREATE TABLE peers (
            node TEXT PRIMARY KEY,
            address TEXT NOT NULL,
            added_at TEXT NOT NULL,
            last_success TEXT,
            last_failure TEXT,
            last_error TEXT
          );
          """)
    }
    migrator.registerMigration(wantedBodiesMigration) { db in
      try db.execute(
        sql: """
          CREATE TABLE p_evidence (
            id TEXT PRIMARY KEY,
            origin TEXT NOT NULL,
            item_id TEXT NOT NULL,
            category TEXT NOT NULL,
            original INTEGER NOT NULL,
            how_fixed TEXT,
            fixed_by TEXT NOT NULL,
            tool TEXT NOT NULL,
            source_url TEXT NOT NULL,
            captured_at TEXT NOT NULL,
            file_name TEXT NOT NULL,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            description TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_wall INTEGER NOT NULL,
            added_counter INTEGER NOT NULL,
            audience TEXT NOT NULL
          );
          CREATE INDEX p_evidence_by_sha256 ON p_evidence (sha256);
          CREATE INDEX p_evidence_by_item ON p_evidence (item_id);

          -- Stubs of changes whose audience includes this node: their bodies are asked for in
          -- every sync. Derived from the log, but particular to this node, so not digested.
          CREATE TABLE p_wanted_bodies (change_id BLOB PRIMARY KEY);

          -- Local: the evidence files this node holds complete (under blobs/), and transfers
          -- under way with the offset up to which the partial file is durable.
          CREATE TABLE blobs (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            completed_at TEXT NOT NULL
          );
          CREATE TABLE blob_partials (
            sha256 TEXT PRIMARY KEY,
            durable_offset INTEGER NOT NULL,
            size INTEGER NOT NULL,
            updated_at TEXT NOT NULL
          );
          """)
    }
    migrator.registerMigration("v4: assistance requests") { db in
      try db.execute(
        sql: """
          CREATE TABLE p_requests (
            id TEXT PRIMARY KEY,
            requester TEXT NOT NULL,
            requested TEXT NOT NULL,
            case_reference TEXT NOT NULL,
            legal_basis TEXT NOT NULL,
            tasks TEXT NOT NULL,
            details TEXT NOT NULL,
            evidence_ids TEXT NOT NULL,
            wanted_by TEXT,
            created_by TEXT NOT NULL,
            created_wall INTEGER NOT NULL,
            created_counter INTEGER NOT NULL,
            audience TEXT NOT NULL,
            state TEXT NOT NULL,
            acknowledged_wall INTEGER,
            acknowledged_counter INTEGER,
            extension_days INTEGER,
            extension_reason TEXT,
            findings TEXT,
            outcome_evidence TEXT NOT NULL,
            reason TEXT,
            conflict TEXT,
            head TEXT NOT NULL,
            updated_wall INTEGER NOT NULL,
            updated_counter INTEGER NOT NULL
          );
          """)
    }
    migrator.registerMigration("v5: chain of custody") { db in
      try db.execute(
        sql: """
          CREATE TABLE p_custody (
            evidence_id TEXT NOT NULL,
            change_id TEXT NOT NULL,
            op_index INTEGER NOT NULL,
            node TEXT NOT NULL,
            officer TEXT NOT NULL,
            time_wall INTEGER NOT NULL,
            time_counter INTEGER NOT NULL,
            event TEXT NOT NULL,
            note TEXT NOT NULL,
            hash_matched INTEGER,
            holder TEXT NOT NULL,
            PRIMARY KEY (change_id, op_index)
          );
          CREATE INDEX p_custody_by_evidence ON p_custody (evidence_id);
          """)
    }
    migrator.registerMigration("v6: case hand-off") { db in
      try db.execute(
        sql: """
          CREATE TABLE p_handoffs (
            lead_id TEXT PRIMARY KEY,
            from_node TEXT NOT NULL,
            to_node TEXT NOT NULL,
            state TEXT NOT NULL,
            letter TEXT NOT NULL,
            evidence_ids TEXT NOT NULL,
            reason TEXT,
            offered_wall INTEGER NOT NULL,
            offered_counter INTEGER NOT NULL,
            decided_wall INTEGER,
            decided_counter INTEGER,
            received_by_handoff INTEGER NOT NULL
          );
          """)
    }
    migrator.registerMigration("v7: lead handling") { db in
      try db.execute(
        sql: """
          CREATE TABLE p_lead_handling (
            lead_id TEXT NOT NULL,
            bureau TEXT NOT NULL,
            state TEXT NOT NULL,
            acknowledged_wall INTEGER,
            acknowledged_counter INTEGER,
            extended TEXT,
            outcome TEXT,
            case_reference TEXT NOT NULL,
            note TEXT NOT NULL,
            updated_wall INTEGER NOT NULL,
            updated_counter INTEGER NOT NULL,
            PRIMARY KEY (lead_id, bureau)
          );
          CREATE TABLE p_lead_notes (
            lead_id TEXT PRIMARY KEY,
            merged_into TEXT,
            withdrawal_note TEXT
          );
          """)
    }
    migrator.registerMigration("v8: transfers to police") { db in
      try db.execute(
        sql: """
          CREATE TABLE p_police_transfers (
            id TEXT PRIMARY KEY,
            bureau TEXT NOT NULL,
            case_id TEXT NOT NULL,
            police TEXT NOT NULL,
            reported_on TEXT NOT NULL,
            letter TEXT NOT NULL,
            investigation_report TEXT NOT NULL,
            items_list TEXT NOT NULL,
            test_reports TEXT NOT NULL,
            state TEXT NOT NULL,
            approved_wall INTEGER,
            transferred_wall INTEGER,
            police_decided_wall INTEGER,
            note TEXT NOT NULL,
            audience TEXT NOT NULL,
            updated_wall INTEGER NOT NULL,
            updated_counter INTEGER NOT NULL
          );
          """)
    }
    migrator.registerMigration("v9: federation manifest and designation") { db in
      try db.execute(
        sql: """
          CREATE TABLE p_manifests (
            sha256 BLOB PRIMARY KEY,
            version INTEGER NOT NULL,
            document BLOB NOT NULL,
            signature BLOB NOT NULL,
            published_in BLOB NOT NULL
          );
          CREATE TABLE p_disputes (
            lead_id TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            claimant TEXT NOT NULL,
            reason TEXT NOT NULL,
            since_wall INTEGER NOT NULL,
            since_counter INTEGER NOT NULL
          );
          CREATE TABLE p_designations (
            lead_id TEXT PRIMARY KEY,
            superior TEXT NOT NULL
          );
          """)
    }
    migrator.registerMigration("v10: evidence shares, shared case history, hand-off conflicts, warnings") {
      db in
      try db.execute(
        sql: """
          CREATE TABLE p_evidence_shares (
            evidence_id TEXT NOT NULL,
            node TEXT NOT NULL,
            PRIMARY KEY (evidence_id, node)
          );
          CREATE TABLE p_shared_history (
            lead_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            time TEXT NOT NULL,
            node TEXT NOT NULL,
            officer TEXT NOT NULL,
            what TEXT NOT NULL,
            operation TEXT NOT NULL,
            shared_by TEXT NOT NULL,
            PRIMARY KEY (lead_id, position)
          );
          CREATE TABLE p_handoff_heads (
            lead_id TEXT PRIMARY KEY,
            head TEXT NOT NULL
          );
          CREATE TABLE p_warnings (
            id TEXT PRIMARY KEY,
            from_node TEXT NOT NULL,
            subject TEXT NOT NULL,
            lead_id TEXT NOT NULL,
            other_lead_id TEXT NOT NULL,
            sent_wall INTEGER NOT NULL,
            sent_counter INTEGER NOT NULL,
            audience TEXT NOT NULL
          );
          CREATE TABLE p_handoff_conflicts (
            lead_id TEXT NOT NULL,
            operation TEXT NOT NULL,
            node TEXT NOT NULL,
            act TEXT NOT NULL,
            time_wall INTEGER NOT NULL,
            time_counter INTEGER NOT NULL,
            PRIMARY KEY (lead_id, operation)
          );
          """)
    }
    // The operation index's rows are small and found only by their key, which a rowid table
    // keeps twice: once in the table and once in the index behind its primary key. Every change
    // a node stores writes one row per operation, so the second B-tree was a few microseconds of
    // each change (BENCHMARKS.md, B1). Same columns, same rows.
    migrator.registerMigration("v11: operation index without rowid") { db in
      try db.execute(
        sql: """
          CREATE TABLE p_operations_keyed (
            object_id BLOB NOT NULL,
            change_id BLOB NOT NULL,
            op_index INTEGER NOT NULL,
            PRIMARY KEY (object_id, change_id, op_index)
          ) WITHOUT ROWID;
          INSERT INTO p_operations_keyed SELECT object_id, change_id, op_index FROM p_operations;
          DROP TABLE p_operations;
          ALTER TABLE p_operations_keyed RENAME TO p_operations;
          """)
    }
    migrator.registerMigration("v12: officer accounts, API tokens, idempotent requests") { db in
      try db.execute(
        sql: """
          CREATE TABLE accounts (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            created_at TEXT NOT NULL,
            disabled_at TEXT
          );
          CREATE TABLE account_tokens (
            token_sha256 BLOB PRIMARY KEY,
            account TEXT NOT NULL REFERENCES accounts (name),
            label TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            revoked_at TEXT
          );
          CREATE TABLE idempotent_results (
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            request_sha256 BLOB NOT NULL,
            result BLOB NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (account, key)
          );
          """)
    }
    migrator.registerMigration("v13: passwords, login back-off, browser sessions") { db in
      try db.execute(
        sql: """
          ALTER TABLE accounts ADD COLUMN password_hash TEXT;
          ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE accounts ADD COLUMN locked_until TEXT;
          CREATE TABLE account_sessions (
            session_sha256 BLOB PRIMARY KEY,
            account TEXT NOT NULL REFERENCES accounts (name),
            csrf_token TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ended_at TEXT
          );
          """)
    }
    migrator.registerMigration("v14: the log's position at each peer's last successful sync") { db in
      try db.execute(sql: "ALTER TABLE peers ADD COLUMN log_position_at_success INTEGER")
    }
    migrator.registerMigration("v15: damaged evidence files and change bodies set aside") { db in
      try db.execute(
        sql: """
          -- Local: evidence files found altered or missing on this node's disk, set aside under
          -- blobs/damaged/ and fetched again; repaired_at is set when a good copy is in place.
          CREATE TABLE blob_damage (
            sha256 TEXT PRIMARY KEY,
            finding TEXT NOT NULL,
            found_at TEXT NOT NULL,
            repaired_at TEXT
          );
          -- Local: change bodies whose bytes no longer match their signed hash, kept as found
          -- while a good copy is fetched again from a peer.
          CREATE TABLE damaged_bodies (
            change_id BLOB PRIMARY KEY,
            body BLOB NOT NULL,
            found_at TEXT NOT NULL
          );
          """)
    }
    migrator.registerMigration("v16: each peer's clock as its last Hello showed it") { db in
      try db.execute(
        sql: """
          ALTER TABLE peers ADD COLUMN clock_offset_millis INTEGER;
          ALTER TABLE peers ADD COLUMN clock_measured_at_millis INTEGER;
          """)
    }
    migrator.registerMigration("v17: changes a fork decision superseded") { db in
      try db.execute(
        sql: """
          -- The record: changes the authority's fork decisions took out of the log, kept whole
          -- as evidence; never folded, never served.
          CREATE TABLE superseded_changes (
            id BLOB PRIMARY KEY,
            origin TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            hlc_wall INTEGER NOT NULL,
            hlc_counter INTEGER NOT NULL,
            header BLOB NOT NULL,
            signature BLOB NOT NULL,
            body BLOB,
            received_at TEXT NOT NULL,
            superseded_at TEXT NOT NULL
          );
          -- Work a crash must not lose: a replay of the projections owed, this node's own chain
          -- cut back by a decision.
          CREATE TABLE store_flags (name TEXT PRIMARY KEY);
          """)
    }
    migrator.registerMigration("v18: checkpoints, revocations in force, changes withheld") { db in
      try db.execute(
        sql: """
          -- Every checkpoint kept, this node's own and those peers passed on, as signed.
          CREATE TABLE checkpoints (
            signer TEXT NOT NULL,
            time_millis INTEGER NOT NULL,
            bytes BLOB NOT NULL,
            signature BLOB NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (signer, time_millis)
          );
          -- What each states, per origin: "which nodes held this change, since when" is one
          -- indexed range.
          CREATE TABLE checkpoint_held (
            origin TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            signer TEXT NOT NULL,
            time_millis INTEGER NOT NULL,
            head BLOB NOT NULL,
            signer_sha256 BLOB NOT NULL,
            PRIMARY KEY (origin, sequence, signer, time_millis)
          ) WITHOUT ROWID;
          -- When the CA revoked each certificate this node holds that a CRL in force lists.
          CREATE TABLE revocations (
            fingerprint BLOB PRIMARY KEY,
            revoked_at_millis INTEGER NOT NULL
          );
          -- Changes signed before their certificate's revocation that no other node witnessed
          -- before it (`RevocationRule`): held, never folded, decided again as checkpoints come.
          CREATE TABLE withheld_changes (
            change_id BLOB PRIMARY KEY,
            origin TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            reason TEXT NOT NULL
          );
          """)
    }
    migrator.registerMigration("v19: leads by creation time, for pages") { db in
      try db.execute(
        sql: "CREATE INDEX p_leads_by_created ON p_leads (created_wall, created_counter, id)")
    }
    migrator.registerMigration("v20: text search over summaries and subject names") { db in
      try installSearchIndexes(db)
    }
    migrator.registerMigration("v21: search indexes settled in sets, without copies of the texts") { db in
      try db.execute(
        sql: """
          \(droppingSearchTriggers)
          DROP TABLE IF EXISTS p_lead_search_terms;
          DROP TABLE IF EXISTS p_subject_search_terms;
          DROP TABLE IF EXISTS p_lead_search;
          DROP TABLE IF EXISTS p_subject_search;
          DROP TABLE IF EXISTS p_lead_subjects;
          DROP TABLE IF EXISTS p_search_owed;
          DROP TABLE IF EXISTS p_search_marks;
          """)
      try installSearchIndexes(db)
    }
    migrator.registerMigration("v22: revocation lists relayed by sync") { db in
      try db.execute(
        sql: """
          -- Every set of the CA's revocation lists a change has carried, ranked as
          -- `RevocationListRank` orders them; the node puts the highest that verifies in force.
          CREATE TABLE p_revocation_lists (
            digest BLOB PRIMARY KEY,
            number INTEGER NOT NULL,
            issued_millis INTEGER NOT NULL,
            pem BLOB NOT NULL,
            published_in BLOB NOT NULL
          );
          """)
      // An older version stores a relayed list as an operation it cannot read: find those and
      // register them now.
      try registerEveryRevocationList(db)
    }
    migrator.registerMigration("v23: clock corrections") { db in
      // No version before this one stored a change that steps back (it refused them), so nothing
      // is re-timed yet.
      try db.execute(
        sql: """
          -- Changes a later clock correction of their chain re-timed (`ChainTime`): their time in
          -- effect, earlier than their stamp. Derived from the chains' stamps.
          CREATE TABLE retimed_changes (
            change_id BLOB PRIMARY KEY,
            origin TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            hlc_wall INTEGER NOT NULL,
            hlc_counter INTEGER NOT NULL
          );
          -- A change withheld for being stamped ahead of this node's clock: the wall time from
          -- which it may count (its time in effect less the drift limit); NULL for the
          -- revocation rule's.
          ALTER TABLE withheld_changes ADD COLUMN counts_from_millis INTEGER;
          """)
    }
    migrator.registerMigration("v24: fork decisions by the origin's operator") { db in
      try db.execute(
        sql: """
          -- The fork choices the checkpoints held carry (`Checkpoint.forks`): each origin's
          -- operator's decisions on its own chain's forks. Derived from `checkpoints`.
          CREATE TABLE fork_choices (
            origin TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            time_millis INTEGER NOT NULL,
            keep BLOB NOT NULL,
            signer_sha256 BLOB NOT NULL,
            PRIMARY KEY (origin, sequence, time_millis)
          ) WITHOUT ROWID;
          -- This node's operator's own decisions ('liandong fork keep'), repeated in every
          -- checkpoint it signs.
          CREATE TABLE own_fork_choices (
            sequence INTEGER PRIMARY KEY,
            keep BLOB NOT NULL,
            decided_at TEXT NOT NULL
          );
          """)
      // A version before this one kept checkpoints with choices, unread, from newer peers.
      let rows = try Row.fetchCursor(db, sql: "SELECT bytes, signature FROM checkpoints")
      while let row = try rows.next() {
        guard let signed = try? SignedCheckpoint(bytes: row["bytes"], signature: row["signature"]) else {
          continue
        }
        try LogTables.recordForkChoices(of: signed.checkpoint, .sqlite(db))
      }
    }
    migrator.registerMigration("v25: what each node was told and sent, and the backups taken") { db in
      try db.execute(
        sql: """
          -- The last sync session with each other node that got as far as its Hello, and per
          -- origin what it said it held then, how far this node sent and how far it acknowledged
          -- (`NodeStore.recordSyncSession`): what 'liandong reach' answers from. Local, never
          -- replicated, replaced by each session.
          CREATE TABLE session_marks (
            node TEXT PRIMARY KEY,
            at_millis INTEGER NOT NULL
          );
          CREATE TABLE session_vectors (
            node TEXT NOT NULL,
            origin TEXT NOT NULL,
            told INTEGER NOT NULL,
            sent INTEGER NOT NULL,
            acknowledged INTEGER NOT NULL,
            PRIMARY KEY (node, origin)
          ) WITHOUT ROWID;
          -- Changes another node refused in a sync session, with its code; the latest refusal
          -- of each change by each node.
          CREATE TABLE refused_by_peers (
            node TEXT NOT NULL,
            change_id BLOB NOT NULL,
            code TEXT NOT NULL,
            at_millis INTEGER NOT NULL,
            PRIMARY KEY (node, change_id)
          ) WITHOUT ROWID;
          -- Each backup written ('liandong backup'), for the operator's page: when, where, how
          -- large. Local, never replicated; a backup does not hold its own row.
          CREATE TABLE backups_taken (
            at TEXT NOT NULL,
            file TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            changes INTEGER NOT NULL
          );
          """)
    }
    migrator.registerMigration("v26: manifests and revocation lists named by the federation suite's hash") {
      db in
      // Until now they were named by SHA-256 in every federation. A store of an `sm` federation
      // (all its changes are in one suite, so the first says which) replays its projections,
      // which names them by SM3 as every node now does; in the others nothing changes.
      // The relayed lists are kept apart from the replay, so they are named again here.
      guard let row = try Row.fetchOne(db, sql: "SELECT header, signature FROM changes LIMIT 1"),
        let change = try? SignedChange(headerBytes: row["header"], signature: row["signature"], body: nil),
        change.header.suite == .sm
      else { return }
      try db.execute(
        sql: "INSERT OR IGNORE INTO store_flags (name) VALUES (?)", arguments: [LogTables.replayFlag])
      try db.execute(sql: "DELETE FROM p_revocation_lists")
      try registerEveryRevocationList(db)
    }
    migrator.registerMigration("v27: the change that realised an idempotent request") { db in
      // Marked in that change's own transaction (`IdempotentClaim`), so that a retry after a
      // commit whose answer was lost returns it instead of acting again.
      try db.execute(sql: "ALTER TABLE idempotent_results ADD COLUMN change_id BLOB")
    }
    migrator.registerMigration("v28: leads of one state, or of one risk, in page order") { db in
      // A page of a rare state or risk walked the creation index past every lead of another:
      // after a sync of leads of other risks, a page of risk `low` tested each of them
      // (BENCHMARKS.md, B10). Keyed by time alone, not the page's whole order (leads of one
      // time, one change's, are sorted as they are read), so that each lead costs an import a
      // small entry: keyed by the whole order they slowed B2 several times as much.
      try db.execute(
        sql: """
          CREATE INDEX p_leads_by_state ON p_leads (state, created_wall);
          CREATE INDEX p_leads_by_risk ON p_leads (risk, created_wall);
          """)
    }
    migrator.registerMigration("v29: search indexes noted on removal only") { db in
      // Before, a trigger on every row added noted a rowid reused at or below the mark; now the
      // removal that frees such a rowid lowers the mark. Each settled transaction leaves the
      // mark at its table's highest rowid, as the new trigger keeps it.
      try db.execute(
        sql: """
          \(droppingSearchTriggers)
          \(searchTriggers)
          """)
    }
    migrator.registerMigration("v30: the rows of open work, and each bureau's handling and requests by day") {
      db in
      try db.execute(sql: readIndexes)
    }
    migrator.registerMigration("v31: the subjects' keys two regions have used (AlertKeys)") { db in
      try db.execute(sql: AlertKeys.sqliteTables)
      let fill =
        AlertKeys.foreignSubjectEntries(on: .sqlite, leads: "1")
        + AlertKeys.subjectEntries(from: "p_subjects AS s", ignoring: "OR IGNORE")
      for statement in fill { try db.execute(sql: statement) }
    }
    migrator.registerMigration("v32: the runs of digits in subjects' names") { db in
      try db.execute(sql: subjectDigits)
      // Every name the subjects' index has settled; those above its mark, with the rest of
      // the index, at the next write.
      try db.execute(
        sql: """
          INSERT OR IGNORE INTO p_subject_digits (digits, subject)
          \(digitRuns(where: "p_subjects.rowid <= \(searchMark("p_subject_search"))"))
          """)
    }
    return migrator
  }

  /// Which subjects (by rowid) hold each run of digits in their names (`DigitRuns`): a
  /// numbered shop's name found by a B-tree where its trigrams are held by every shop of the
  /// chain. Settled with the subjects' trigram index (`digitSettlement`), from the same mark
  /// and the same notes of rows removed.
  static let subjectDigits = """
    CREATE TABLE p_subject_digits (
      digits TEXT NOT NULL,
      subject INTEGER NOT NULL,
      PRIMARY KEY (digits, subject)
    ) WITHOUT ROWID;
    """

  /// Each run of digits and subject (by rowid) of the subjects `condition` picks.
  private static func digitRuns(where condition: String) -> String {
    """
    SELECT runs.value, p_subjects.rowid FROM p_subjects, json_each(\(DigitRuns.functionName)(p_subjects.name)) AS runs
    WHERE \(condition)
    """
  }

  /// Brings `p_subject_digits` in line with the subjects, as `searchSettlement` brings their
  /// trigram index, and before it (which raises the mark and forgets the notes): forget the
  /// runs of the names noted removed, as the index held them, then add the runs of the rows
  /// noted and of every row above the mark.
  static let digitSettlement: [String] = {
    let mark = searchMark("p_subject_search")
    let runs = "\(DigitRuns.functionName)(owed.indexed)"
    return [
      """
      DELETE FROM p_subject_digits WHERE (digits, subject) IN (
        SELECT runs.value, owed.row FROM p_search_owed AS owed, json_each(\(runs)) AS runs
        WHERE owed.search = 'p_subject_search' AND owed.indexed IS NOT NULL)
      """,
      """
      INSERT OR IGNORE INTO p_subject_digits (digits, subject)
      \(digitRuns(where: """
        p_subjects.rowid IN (SELECT row FROM p_search_owed WHERE search = 'p_subject_search' AND row <= \(mark))
        """))
      UNION ALL \(digitRuns(where: "p_subjects.rowid > \(mark)"))
      """,
    ]
  }()

  /// Indexes that let the worklist, the due list and a campaign report read what they show
  /// rather than every lead: partial indexes of the rows that hold open work (`OpenWork`: a
  /// bulk import shared with all adds nothing to them) or a conflict, and each bureau's
  /// handling of leads and the requests made of it by the day they changed
  /// (`ReadModels.leads(touchedBy:on:)`). The same statements make them on a hub.
  static let readIndexes = """
    CREATE INDEX p_leads_awaiting ON p_leads (state, created_wall) WHERE \(OpenWork.awaiting);
    CREATE INDEX p_lead_handling_open ON p_lead_handling (lead_id) WHERE \(OpenWork.handling);
    CREATE INDEX p_handoffs_open ON p_handoffs (lead_id) WHERE \(OpenWork.handOff);
    CREATE INDEX p_lead_handling_by_updated ON p_lead_handling (bureau, updated_wall);
    CREATE INDEX p_lead_handling_by_acknowledged ON p_lead_handling (bureau, acknowledged_wall);
    CREATE INDEX p_requests_by_requested ON p_requests (requested, updated_wall);
    CREATE INDEX p_requests_in_conflict ON p_requests (created_wall, created_counter, id)
      WHERE conflict IS NOT NULL;
    """

  /// Creates the search indexes as this program defines them and fills them from the rows held
  /// (an index with no mark has settled nothing). Both migrations that touch them run today's
  /// definitions (v21 after dropping v20's), so a database migrated from before v20 builds them
  /// twice.
  private static func installSearchIndexes(_ db: Database) throws {
    try db.execute(sql: searchIndexes)
    for statement in searchSettlement { try db.execute(sql: statement) }
  }

  /// Indexes for finding leads by text (`NodeStore.leadPage`): trigram indexes over lead
  /// summaries and subject names, Chinese included, and their vocabularies (to find the trigrams
  /// that begin with two characters); and which leads name each subject. The indexes hold the
  /// texts with ASCII letters in lower case (SQLite's `lower`) and match case-sensitively, so
  /// that a search folds case exactly as `LIKE` does. They keep no copy of the texts
  /// (`content=''`, `columnsize=0`): a search needs only which rows hold a text.
  ///
  /// Settled in sets as each write transaction ends (`searchSettlement`), because a trigger per
  /// row cost more than the index itself. An index has settled every row up to its mark
  /// (`p_search_marks`, the highest rowid of its table then); a row added above the mark is
  /// indexed from its table at the next settlement. A trigger notes each row at or below the
  /// mark that a transaction removes (`p_search_owed`), with the text and subjects the index
  /// holds for it, since a contentless index forgets a row only when told its text
  /// (`searchTriggers`). Every path that writes the projections (folds, rebuilds, fork
  /// decisions) keeps the indexes so. Derived, not digested: an index holds nothing a projection
  /// does not.
  static let searchIndexes = """
    CREATE VIRTUAL TABLE p_lead_search USING fts5 (
      summary, tokenize = 'trigram case_sensitive 1', content = '', columnsize = 0);
    CREATE VIRTUAL TABLE p_subject_search USING fts5 (
      name, tokenize = 'trigram case_sensitive 1', content = '', columnsize = 0);
    CREATE VIRTUAL TABLE p_lead_search_terms USING fts5vocab (p_lead_search, row);
    CREATE VIRTUAL TABLE p_subject_search_terms USING fts5vocab (p_subject_search, row);
    -- Which leads (by rowid) name each subject.
    CREATE TABLE p_lead_subjects (
      subject_id TEXT NOT NULL,
      lead INTEGER NOT NULL,
      PRIMARY KEY (subject_id, lead)
    ) WITHOUT ROWID;
    CREATE TABLE p_search_marks (
      search TEXT PRIMARY KEY,
      last INTEGER NOT NULL
    );
    CREATE TABLE p_search_owed (
      search TEXT NOT NULL,
      row INTEGER NOT NULL,
      indexed TEXT,
      subjects TEXT,
      PRIMARY KEY (search, row)
    ) WITHOUT ROWID;
    \(searchTriggers)
    """

  /// Drops every trigger the search indexes have had (on rows added and on rows removed from
  /// v20 to v28, on rows removed since v29), before a migration installs today's.
  private static let droppingSearchTriggers = """
    DROP TRIGGER IF EXISTS p_leads_search_add;
    DROP TRIGGER IF EXISTS p_leads_search_remove;
    DROP TRIGGER IF EXISTS p_subjects_search_add;
    DROP TRIGGER IF EXISTS p_subjects_search_remove;
    """

  /// The triggers that note the rows of the searched tables a transaction removes at or below
  /// their index's mark (`owing`).
  static let searchTriggers =
    owing("p_leads", "p_lead_search", "summary", subjects: subjectIDsAsJSON("old"))
    + owing("p_subjects", "p_subject_search", "name", subjects: "NULL")

  /// The trigger that notes each row of `table` at or below the mark of `search` that a
  /// transaction removes: its first note says what the index held for it when the transaction
  /// began. It also keeps the mark at or below the table's highest rowid, lowering it when the
  /// row removed was the highest, so that every row added (SQLite gives the highest rowid plus
  /// one) lies above the mark, where the settlement indexes it, even on a rowid reused. A
  /// trigger on each row added cost a bulk import more than that (BENCHMARKS.md, B2).
  private static func owing(_ table: String, _ search: String, _ column: String, subjects: String) -> String {
    let highest = "(SELECT coalesce(max(rowid), 0) FROM \(table))"
    return """
      CREATE TRIGGER \(table)_search_remove AFTER DELETE ON \(table)
      WHEN old.rowid <= (SELECT last FROM p_search_marks WHERE search = '\(search)') BEGIN
        INSERT OR IGNORE INTO p_search_owed (search, row, indexed, subjects)
          VALUES ('\(search)', old.rowid, lower(old.\(column)) || \(endMark), \(subjects));
        UPDATE p_search_marks SET last = \(highest) WHERE search = '\(search)' AND last > \(highest);
      END;
      """
  }

  /// Brings the search indexes in line with their tables (`searchIndexes`): for each index,
  /// forget what it held for the rows noted, index those rows as they are now (those still at
  /// or below the mark: a rowid above it was given again, and is indexed with the rest) and
  /// every row above its mark, and raise the mark to its table's highest rowid. Each statement
  /// works on a set, so a transaction that adds 20,000 leads indexes them in a few statements.
  static let searchSettlement: [String] =
    searched.flatMap { table, search, column in
      let mark = searchMark(search)
      let noted = "SELECT row FROM p_search_owed WHERE search = '\(search)' AND row <= \(mark)"
      var statements = [
        """
        INSERT INTO \(search) (\(search), rowid, \(column))
        SELECT 'delete', row, indexed FROM p_search_owed WHERE search = '\(search)' AND indexed IS NOT NULL
        """,
        """
        INSERT INTO \(search) (rowid, \(column))
        SELECT rowid, lower(\(column)) || \(endMark) FROM \(table) WHERE rowid IN (\(noted))
        UNION ALL SELECT rowid, lower(\(column)) || \(endMark) FROM \(table) WHERE rowid > \(mark)
        """,
      ]
      if table == "p_leads" {
        statements += [
          """
          DELETE FROM p_lead_subjects WHERE (subject_id, lead) IN (
            SELECT named.value, owed.row FROM p_search_owed AS owed, json_each(owed.subjects) AS named
            WHERE owed.search = '\(search)' AND owed.subjects IS NOT NULL)
          """,
          """
          INSERT OR IGNORE INTO p_lead_subjects (subject_id, lead)
          \(leadSubjectPairs(where: "p_leads.rowid IN (\(noted))"))
          UNION ALL \(leadSubjectPairs(where: "p_leads.rowid > \(mark)"))
          """,
        ]
      }
      return statements + [
        """
        INSERT OR REPLACE INTO p_search_marks (search, last)
        VALUES ('\(search)', (SELECT coalesce(max(rowid), 0) FROM \(table)))
        """
      ]
    } + ["DELETE FROM p_search_owed"]

  /// Each subject and lead (by rowid) of the leads `condition` picks: a lead naming one subject
  /// as it is, the others through `json_each`, which cost a bulk import about 2 µs a lead.
  private static func leadSubjectPairs(where condition: String) -> String {
    """
    SELECT p_leads.subject_ids, p_leads.rowid FROM p_leads
    WHERE \(condition) AND p_leads.subject_ids <> '' AND instr(p_leads.subject_ids, ',') = 0
    UNION ALL SELECT named.value, p_leads.rowid FROM p_leads, json_each(\(subjectIDsAsJSON("p_leads"))) AS named
    WHERE \(condition) AND instr(p_leads.subject_ids, ',') > 0
    """
  }

  /// The tables searched by text, each with its index and the column it indexes.
  static let searched = [("p_leads", "p_lead_search", "summary"), ("p_subjects", "p_subject_search", "name")]

  /// The highest rowid the index `search` has settled (0 before its first settlement).
  static func searchMark(_ search: String) -> String {
    "coalesce((SELECT last FROM p_search_marks WHERE search = '\(search)'), 0)"
  }

  /// Whether a settlement has anything to do: rows noted, or a row above an index's mark.
  static let searchBehind =
    "SELECT EXISTS (SELECT 1 FROM p_search_owed)"
    + searched.map { table, search, _ in
      " OR coalesce((SELECT max(rowid) FROM \(table)), 0) > \(searchMark(search))"
    }.joined()

  /// Ends every text a search index holds, so that a text's last two characters begin a trigram
  /// too, and a search for two characters is a lookup of the trigrams that begin with them. A
  /// noncharacter, which SQLite's tokenizer reads as U+FFFD: `NodeStore.leadPage` walks the
  /// leads for a text holding either.
  static let searchEndMark: Unicode.Scalar = "\u{FFFF}"
  static let endMark = "char(\(searchEndMark.value))"

  /// A lead row's `subject_ids` (lower-case UUIDs joined by commas) as a JSON array, for
  /// `json_each` (a trigger may not hold a recursive query to split it).
  static func subjectIDsAsJSON(_ row: String) -> String {
    "CASE \(row).subject_ids WHEN '' THEN '[]' ELSE '[\"' || replace(\(row).subject_ids, ',', '\",\"') || '\"]' END"
  }

  /// Projection tables in the order the digest reads them, with the key that orders their rows.
  static let projections: [(table: String, orderBy: String)] = ProjectionDigest.tables.map {
    ($0.table, $0.key.joined(separator: ", "))
  }

  /// Every derived table, including the operation index and search indexes that are not
  /// themselves digested. The search marks come first, so that a rebuild removing every row
  /// notes none, and the indexes after the rows, so it also clears whatever an index held.
  static let derivedTables =
    ["p_search_marks"] + LogTables.derivedTables + [
      "p_lead_search", "p_subject_search", "p_search_owed", "p_lead_subjects", "p_subject_digits",
    ]

  /// The statement that empties the derived table `table` (a contentless index cannot be
  /// deleted from row by row).
  static func emptying(_ table: String) -> String {
    searched.contains { $0.1 == table }
      ? "INSERT INTO \(table) (\(table)) VALUES ('delete-all')" : "DELETE FROM \(table)"
  }

  /// Registers the revocation lists every stored change carries (`p_revocation_lists`): the
  /// changes whose bodies hold the operation's field tag, 24 (the bytes C2 01), are decoded.
  private static func registerEveryRevocationList(_ db: Database) throws {
    let rows = try Row.fetchCursor(
      db,
      sql: "SELECT header, signature, body FROM changes WHERE body IS NOT NULL AND instr(body, X'C201') > 0")
    while let row = try rows.next() {
      let change = try SignedChange(
        headerBytes: row["header"], signature: row["signature"], body: row["body"])
      try LogTables.registerRevocationLists(in: change, change.decodedBody(), .sqlite(db))
    }
  }

  static let wantedBodiesMigration = "v3: evidence and blobs"

  /// The migration that installed the search indexes as they are now settled.
  static let searchIndexesVersion = 21
  /// The migration that made the tables of the keys alerts stand on.
  static let alertKeysVersion = 31
  /// The migration that made the index of digits in subjects' names.
  static let subjectDigitsVersion = 32

  /// What a write transaction on a schema of `migrations` migrations settles: the keys alerts
  /// stand on and the digits of names, from the rows the subjects' trigram index has yet to
  /// settle, then the search indexes, which forget what was owed and raise their marks.
  static func settlement(migrations: Int) -> [String] {
    guard migrations >= searchIndexesVersion else { return [] }
    return (migrations >= alertKeysVersion ? alertKeysSettlement : [])
      + (migrations >= subjectDigitsVersion ? digitSettlement : []) + searchSettlement
  }

  /// What a write transaction settles before its search indexes: the keys alerts stand on of the
  /// subjects it wrote, those its settlement of `p_subject_search` indexes (above the mark, or
  /// noted), so before the mark is raised. They are read by rowid: given the choice, SQLite
  /// walked the whole index of subjects by shop for the condition that a subject has a shop.
  static let alertKeysSettlement = AlertKeys.subjectEntries(
    from: "p_subjects AS s NOT INDEXED",
    where: """
      s.rowid > \(searchMark("p_subject_search"))
        OR s.rowid IN (SELECT row FROM p_search_owed WHERE search = 'p_subject_search')
      """,
    ignoring: "OR IGNORE")

  static var latestVersion: Int { migrator.migrations.count }
}

extension NodeStore {
  /// The schema this program writes; opening an older database migrates it to this one.
  public static var schemaVersion: Int { Schema.latestVersion }
}
