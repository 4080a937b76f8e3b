import Foundation

/// How a hub finds a text (`ReadModels.leadPage`): through the search keys' indexes
/// (`PostgresSchema` v15, `SearchKeys`), or by testing each lead walked in page order,
/// whichever the statistics say costs less.
extension LeadSearch {
  /// On PostgreSQL, a lead holds `needle` (folded) in its summary, or names a subject whose name
  /// holds it or whose USCC it is; the text is folded as `LeadFilter.folded` folds it, by the
  /// expressions the search indexes are built on. When `gathering`, the leads are found through
  /// the indexes: the summaries', and the leads naming any subject the names' index finds.
  /// Otherwise each lead walked is tested: its summary by LIKE, and its own subjects, read by
  /// their keys (gathering every subject whose name holds a text most names hold cost every
  /// page of such a search the whole table of subjects: 3 s at a million).
  static func postgresCondition(_ needle: String, gathering: Bool = false) -> Condition {
    let summary = postgresTest("p_leads.summary", holds: needle, byKeys: gathering)
    let name = postgresTest("p_subjects.name", holds: needle, byKeys: gathering)
    let uscc = SQLValue.text(needle.uppercased())
    guard gathering else {
      return (
        """
        (\(summary.sql) OR EXISTS (
          SELECT 1 FROM p_subjects WHERE p_subjects.id = ANY (string_to_array(p_leads.subject_ids, ','))
            AND (\(name.sql) OR p_subjects.uscc = ?)))
        """, summary.arguments + name.arguments + [uscc]
      )
    }
    return (
      """
      (\(summary.sql)
        OR string_to_array(p_leads.subject_ids, ',') && ARRAY(
          SELECT id FROM p_subjects WHERE \(name.sql) OR uscc = ?))
      """, summary.arguments + name.arguments + [uscc]
    )
  }

  /// The test that `column`'s text (folded) holds `needle`. When `byKeys`, through its search
  /// keys (`SearchKeys`, which the keys' indexes answer), with LIKE checking a needle longer than
  /// two characters, whose keys a text may hold apart; otherwise (and for one character) LIKE
  /// alone, which costs a lead walked past less than reading its keys.
  static func postgresTest(_ column: String, holds needle: String, byKeys: Bool) -> Condition {
    let like: Condition = (
      "\(PostgresSchema.searchable(column)) LIKE ? ESCAPE '\\'", [.text("%" + escapedForLike(needle) + "%")]
    )
    guard byKeys, let lookup = SearchKeys.lookup(needle) else { return like }
    let keys: Condition =
      switch lookup {
      case .all(let keys): ("\(SearchKeys.column(column)) @> ?::bigint[]", [.text(SearchKeys.literal(keys))])
      case .any(let keys): ("\(SearchKeys.column(column)) && ?::bigint[]", [.text(SearchKeys.literal(keys))])
      }
    if SearchKeys.isExact(needle) { return keys }
    return ("(\(keys.sql) AND \(like.sql))", keys.arguments + like.arguments)
  }

  /// How many summaries, and how many subjects' names, the statistics say hold `needle`, from
  /// the search keys' own statistics (`keyRows`). One character, whose holders the indexes
  /// cannot name, is taken to be in every text, so that it is walked to, unasked.
  static func postgresEstimates(_ needle: String, _ db: StoreConnection) throws -> (
    summaries: Int, names: Int
  ) {
    guard let lookup = SearchKeys.lookup(needle) else { return (Int.max, Int.max) }
    return (
      try keyRows(lookup, table: "p_leads", column: SearchKeys.column("summary"), db),
      try keyRows(lookup, table: "p_subjects", column: SearchKeys.column("name"), db)
    )
  }

  /// The more of `postgresEstimates`' two.
  static func postgresEstimate(_ needle: String, _ db: StoreConnection) throws -> Int {
    let estimates = try postgresEstimates(needle, db)
    return max(estimates.summaries, estimates.names)
  }

  /// How each lead a page walks past is tested for `needle`: as `postgresCondition` says, except
  /// that where the statistics say at most `few` subjects' names hold it (`namesEstimated`) and
  /// the indexes name those subjects in time, each lead's subject IDs are compared with theirs.
  /// Reading a lead's own subjects by their keys costs several times its summary's LIKE, and a
  /// walk past many leads without the text (a sync's new leads, for a text the older ones hold)
  /// pays it for every one (BENCHMARKS.md, B13). Comparing two arrays compares each element of
  /// one with each of the other, so only a few subjects are named.
  static func postgresWalkingCondition(
    _ needle: String, namesEstimated: Int, atMost few: Int = namedSubjects, _ db: StoreConnection
  ) throws -> Condition {
    guard namesEstimated <= few, let subjects = try postgresSubjects(holding: needle, atMost: few, db) else {
      return postgresCondition(needle)
    }
    let summary = postgresTest("p_leads.summary", holds: needle, byKeys: false)
    guard !subjects.isEmpty else { return ("(\(summary.sql))", summary.arguments) }
    return (
      """
      (\(summary.sql)
        OR string_to_array(p_leads.subject_ids, ',') && ARRAY[\(LeadRelations.marks(subjects.count))]::text[])
      """, summary.arguments + subjects.map { .text($0) }
    )
  }

  /// The most subjects holding a text that a walk names first (`postgresWalkingCondition`).
  static let namedSubjects = 32

  /// The IDs of the subjects whose name holds `needle` or whose USCC it is, read through the
  /// indexes alone as `postgresMatches` reads leads; nil when there are more than `limit`, when
  /// the indexes take longer than `gatheringMillis`, or when they cannot name them (one
  /// character: `PostgresSchema.indexesCanFind`).
  static func postgresSubjects(holding needle: String, atMost limit: Int, _ db: StoreConnection) throws
    -> [String]?
  {
    guard PostgresSchema.indexesCanFind(needle) else { return nil }
    let name = postgresTest("p_subjects.name", holds: needle, byKeys: true)
    let found = try gathering(db) {
      try ids(
        (
          "SELECT id FROM p_subjects WHERE \(name.sql) OR uscc = ? LIMIT ?",
          name.arguments + [.text(needle.uppercased()), .integer(Int64(limit + 1))]
        ), db)
    }
    return found.flatMap { $0.count <= limit ? $0 : nil }
  }

  /// The IDs of at most `limit` leads that hold `needle`, as `postgresCondition` says, read
  /// through the search keys' indexes alone (bitmap scans). Asked to find a page, the planner
  /// guesses how many leads hold a text and, guessing many, walks the creation index testing each
  /// lead: for a text few hold, that is every lead (BENCHMARKS.md, B13). Nil when the statistics
  /// say that more than `limit` summaries or subjects' names hold it (`postgresEstimate`), or
  /// when the indexes take longer than `gatheringMillis`: for a text most leads hold, a bitmap
  /// scan gathers every one of them before it yields the first, while walking the leads in page
  /// order finds a page at once. Either way the page is the same; only its cost differs. Nil
  /// too for a text the indexes cannot name the holders of (`PostgresSchema.indexesCanFind`).
  /// `estimated`: the caller has asked `postgresEstimate` already.
  static func postgresMatches(
    _ needle: String, atMost limit: Int, _ db: StoreConnection, estimated: Bool = false
  ) throws -> [String]? {
    guard PostgresSchema.indexesCanFind(needle) else { return nil }
    return try gathering(db) {
      if !estimated, try postgresEstimate(needle, db) > limit { return nil }
      return try ids(gatheringQuery(needle, atMost: limit), db)
    }
  }

  /// What `body` found with `gatheringSettings` in force; nil when it took too long.
  private static func gathering(_ db: StoreConnection, _ body: () throws -> [String]?) throws -> [String]? {
    // The settings hold until the savepoint is rolled back to, whatever the queries did.
    try db.run("SAVEPOINT gathering")
    for setting in gatheringSettings { try db.run("SET LOCAL \(setting)") }
    defer { try? db.run("ROLLBACK TO SAVEPOINT gathering") }
    do {
      return try body()
    } catch let error as PostgresError where error.wasCanceled {
      return nil
    }
  }

  /// The IDs (`id`) `query` returns.
  private static func ids(_ query: Condition, _ db: StoreConnection) throws -> [String] {
    try db.rows(query.sql, binding: query.arguments).map { $0.string("id")! }
  }

  /// The query by which `postgresMatches` gathers the IDs of at most `limit` leads holding
  /// `needle`.
  static func gatheringQuery(_ needle: String, atMost limit: Int) -> Condition {
    let matches = postgresCondition(needle, gathering: true)
    return (
      "SELECT p_leads.id FROM p_leads WHERE \(matches.sql) LIMIT ?",
      matches.arguments + [.integer(Int64(limit))]
    )
  }

  /// How long the search indexes may take to name the leads that hold a text. Bound for a task
  /// by a test that asserts what they name, so that a loaded machine does not turn its gathering
  /// into a walk.
  @TaskLocal static var gatheringMillis = 200

  /// How `postgresMatches` and `postgresSubjects` have their queries run: through the indexes alone, in this backend
  /// alone, for `gatheringMillis` at most. Guessing that many of millions of rows hold a rare
  /// text, the planner would start parallel workers, which take longer to start than the scans
  /// take to find the few (BENCHMARKS.md, B13).
  static var gatheringSettings: [String] {
    [
      "enable_seqscan = off", "enable_indexscan = off", "max_parallel_workers_per_gather = 0",
      "statement_timeout = \(gatheringMillis)",
    ]
  }

  /// How many of `table`'s rows `lookup` names in `column` (`SearchKeys`), by the column's
  /// statistics: each key's frequency among the most common elements `ANALYZE` found (0 for a key
  /// not among them, which is rarer than the least common of those), the rarest key's for
  /// `.all` (a row holding every key holds that one), their sum for `.any`, times the rows. (The
  /// planner's own estimate for a key not among them is a floor of half a percent of the rows: at
  /// a million leads, more than a search gathers, so a text 30 leads hold would be walked to.)
  private static func keyRows(
    _ lookup: SearchKeys.Lookup, table: String, column: String, _ db: StoreConnection
  )
    throws -> Int
  {
    let (keys, combined) =
      switch lookup {
      case .all(let keys): (keys, "min")
      case .any(let keys): (keys, "sum")
      }
    // The elements are read from their text once (materialized), not once for each key.
    let row = try db.firstRow(
      """
      WITH stats AS MATERIALIZED (
        SELECT most_common_elems::text::bigint[] AS elements, most_common_elem_freqs AS freqs
        FROM pg_stats WHERE schemaname = current_schema() AND tablename = ? AND attname = ?)
      SELECT (\(combined)(coalesce(freqs[array_position(elements, key)], 0))
        * (SELECT reltuples FROM pg_class WHERE oid = to_regclass(?)))::bigint AS estimate
      FROM stats, unnest(?::bigint[]) AS key
      """, table, column, table, SearchKeys.literal(keys))
    return Int(row?.integer("estimate") ?? 0)
  }
}
