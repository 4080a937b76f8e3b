/// The subjects' keys (a USCC, or a platform and shop ID) on which an early warning may stand,
/// kept as the projections are written so that `alerts` reads the leads on those keys rather
/// than every lead (`ReadModels.leadsForAlerts`).
///
/// An alert pairs two open leads of different origins whose subjects share a key
/// (`EarlyWarning`). Every such key is named by subjects of two origins, or by a subject that a
/// lead of another origin names: if both leads' subjects came from their leads' origins, the
/// subjects' origins differ. So the tables hold the keys of each subject written that another
/// origin's subject shares (`subjectEntries`), and of each subject that a lead of another origin
/// names (`foreignSubjectEntries`, for the leads `AlertKeyCandidates` picks; a subject named
/// before this node held it waits in `p_alert_awaited`). A key stays once entered: a key two
/// regions have used is a key an alert may stand on again, and what a read finds there is
/// tested as every lead is. Derived, not digested; emptied and filled again by a rebuild.
enum AlertKeys {
  enum Engine {
    case sqlite, postgres

    init(_ db: StoreConnection) {
      switch db {
      case .sqlite: self = .sqlite
      case .postgres: self = .postgres
      }
    }
  }

  /// The IDs bound as one JSON array (`LeadSearch.json`), as rows of a column `value`.
  static func ids(inJSON engine: Engine) -> String {
    switch engine {
    case .sqlite: "SELECT value FROM json_each(?)"
    case .postgres: "SELECT value FROM json_array_elements_text(CAST(? AS json))"
    }
  }

  /// SQLite's tables, and the indexes that find a subject's key among other origins' subjects.
  static let sqliteTables = """
    CREATE TABLE p_alert_usccs (uscc TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE TABLE p_alert_shops (platform TEXT NOT NULL, shop_id TEXT NOT NULL, PRIMARY KEY (platform, shop_id))
      WITHOUT ROWID;
    CREATE TABLE p_alert_awaited (subject_id TEXT PRIMARY KEY) WITHOUT ROWID;
    \(subjectIndexes)
    """

  /// The same on a hub, whose text sorts as SQLite's (collation "C").
  static let postgresTables = """
    CREATE TABLE p_alert_usccs (uscc text COLLATE "C" PRIMARY KEY);
    CREATE TABLE p_alert_shops (
      platform text COLLATE "C" NOT NULL, shop_id text COLLATE "C" NOT NULL, PRIMARY KEY (platform, shop_id));
    CREATE TABLE p_alert_awaited (subject_id text COLLATE "C" PRIMARY KEY);
    \(subjectIndexes)
    """

  /// Subjects by key and origin: whether another origin's subject shares a key is two short
  /// lookups, one each side of the subject's own origin, however many subjects one origin wrote
  /// on that key. Only subjects that have the key are in its index: the index by USCC these
  /// replace (which served the search by USCC, as the new one does) held every subject, and a
  /// bulk import of shops without a USCC wrote an entry for each.
  private static let subjectIndexes = """
    DROP INDEX p_subjects_by_uscc;
    CREATE INDEX p_subjects_by_uscc ON p_subjects (uscc, origin) WHERE uscc IS NOT NULL;
    CREATE INDEX p_subjects_by_shop ON p_subjects (shop_id, platform, origin)
      WHERE platform IS NOT NULL AND shop_id IS NOT NULL;
    """

  static let tables = ["p_alert_usccs", "p_alert_shops", "p_alert_awaited"]

  /// The statements that enter the keys of the subjects of `subjects` (a `FROM` item naming them
  /// `s`) that `condition` picks, when another origin's subject shares the key or a lead named
  /// the subject before this node held it: on SQLite as each write transaction settles its
  /// search indexes, with the subjects it wrote (and once over every subject when the tables are
  /// made); on a hub by a trigger, with those each statement inserted. `ignoring` is SQLite's
  /// `OR IGNORE`, `onConflict` PostgreSQL's clause.
  static func subjectEntries(
    from subjects: String, where condition: String = "1 = 1", ignoring: String = "", onConflict: String = ""
  ) -> [String] {
    func shared(_ sameKey: String) -> String {
      """
      (EXISTS (SELECT 1 FROM p_subjects AS o WHERE \(sameKey) AND o.origin < s.origin)
        OR EXISTS (SELECT 1 FROM p_subjects AS o WHERE \(sameKey) AND o.origin > s.origin)
        OR EXISTS (SELECT 1 FROM p_alert_awaited AS a WHERE a.subject_id = s.id))
      """
    }
    return [
      """
      INSERT \(ignoring) INTO p_alert_usccs (uscc)
      SELECT DISTINCT s.uscc FROM \(subjects)
      WHERE (\(condition)) AND s.uscc IS NOT NULL AND \(shared("o.uscc = s.uscc"))
      \(onConflict)
      """,
      """
      INSERT \(ignoring) INTO p_alert_shops (platform, shop_id)
      SELECT DISTINCT s.platform, s.shop_id FROM \(subjects)
      WHERE (\(condition)) AND s.platform IS NOT NULL AND s.shop_id IS NOT NULL
        AND \(shared("o.shop_id = s.shop_id AND o.platform = s.platform"))
      \(onConflict)
      """,
    ]
  }

  /// The statements that enter the keys of the subjects of another origin that the leads
  /// `leads` picks (a condition on `p_leads AS l`) name, and note as awaited those they name
  /// that this node does not hold.
  static func foreignSubjectEntries(on engine: Engine, leads: String) -> [String] {
    let (pairs, ignoring, onConflict): (String, String, String)
    switch engine {
    case .sqlite:
      pairs = """
        p_leads AS l, json_each(\(Schema.subjectIDsAsJSON("l"))) AS named
        LEFT JOIN p_subjects AS s ON s.id = named.value
        WHERE (\(leads))
        """
      (ignoring, onConflict) = ("OR IGNORE", "")
    case .postgres:
      pairs = """
        p_leads AS l CROSS JOIN LATERAL unnest(string_to_array(l.subject_ids, ',')) AS named (value)
        LEFT JOIN p_subjects AS s ON s.id = named.value
        WHERE (\(leads))
        """
      (ignoring, onConflict) = ("", "ON CONFLICT DO NOTHING")
    }
    return [
      """
      INSERT \(ignoring) INTO p_alert_usccs (uscc)
      SELECT DISTINCT s.uscc FROM \(pairs) AND s.origin <> l.origin AND s.uscc IS NOT NULL \(onConflict)
      """,
      """
      INSERT \(ignoring) INTO p_alert_shops (platform, shop_id)
      SELECT DISTINCT s.platform, s.shop_id FROM \(pairs)
        AND s.origin <> l.origin AND s.platform IS NOT NULL AND s.shop_id IS NOT NULL \(onConflict)
      """,
      """
      INSERT \(ignoring) INTO p_alert_awaited (subject_id)
      SELECT DISTINCT named.value FROM \(pairs) AND s.id IS NULL \(onConflict)
      """,
    ]
  }

  /// The statements that enter the keys of the subjects written again (their IDs bound as a
  /// JSON array), whoever names them: a subject's origin changes only if two origins wrote one
  /// ID, and a key entered needlessly costs a read a few leads.
  static func rewrittenSubjectEntries(on engine: Engine) -> [String] {
    let ids = ids(inJSON: engine)
    let (ignoring, onConflict) =
      switch engine {
      case .sqlite: ("OR IGNORE", "")
      case .postgres: ("", "ON CONFLICT DO NOTHING")
      }
    return [
      """
      INSERT \(ignoring) INTO p_alert_usccs (uscc)
      SELECT DISTINCT uscc FROM p_subjects WHERE id IN (\(ids)) AND uscc IS NOT NULL \(onConflict)
      """,
      """
      INSERT \(ignoring) INTO p_alert_shops (platform, shop_id)
      SELECT DISTINCT platform, shop_id FROM p_subjects
      WHERE id IN (\(ids)) AND platform IS NOT NULL AND shop_id IS NOT NULL \(onConflict)
      """,
    ]
  }

  /// The condition on `p_leads AS l` that picks the leads whose IDs are bound as a JSON array.
  static func leads(inJSON engine: Engine) -> String { "l.id IN (\(ids(inJSON: engine)))" }

  /// On a hub, a trigger enters the keys of the subjects each statement inserts (a bulk
  /// insert's 32 rows at a time, `new_rows`), by `subjectEntries`.
  static let postgresTrigger = """
    CREATE FUNCTION p_alert_keys_of_subjects() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      \(subjectEntries(from: "new_rows AS s", onConflict: "ON CONFLICT DO NOTHING").map { $0 + ";" }.joined(separator: "\n"))
      RETURN NULL;
    END $$;
    CREATE TRIGGER p_subjects_alert_keys AFTER INSERT ON p_subjects REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION p_alert_keys_of_subjects();
    """

  /// Fills a hub's tables from every row held, once, when they are made.
  static let postgresFill =
    (foreignSubjectEntries(on: .postgres, leads: "TRUE")
    + subjectEntries(from: "p_subjects AS s", onConflict: "ON CONFLICT DO NOTHING")).map { $0 + ";" }
    .joined(separator: "\n")

  /// The subjects on the keys held: what `ReadModels.leadsForAlerts` finds the leads of. Each
  /// key is looked up in the subjects' index (SQLite takes `CROSS JOIN`'s order as written;
  /// otherwise it walked every subject with a key and looked it up among the keys).
  static let subjectsOnKeys = """
    SELECT s.id FROM p_alert_usccs AS k CROSS JOIN p_subjects AS s WHERE s.uscc = k.uscc
    UNION SELECT s.id FROM p_alert_shops AS k CROSS JOIN p_subjects AS s
      WHERE s.shop_id = k.shop_id AND s.platform = k.platform
    """
}
