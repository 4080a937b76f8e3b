/// A hub's PostgreSQL schema, in named steps applied in order, each once. All pending steps run in
/// one transaction under an advisory lock: several `liandong serve` processes starting at once
/// against one database migrate it once, and a step that fails leaves the schema as it was.
struct PostgresMigrator {
  struct Step {
    let name: String
    let sql: String
  }

  let steps: [Step]

  /// Any number; the same for every process, so that they wait on one another.
  private static let lockKey: Int64 = 0x6c69_616e_646f_6e67

  /// Applies the steps not applied yet, up to the `upTo`-th; returns the names applied now.
  /// A database migrated by a newer liandong (a step this one does not know) is refused.
  @discardableResult
  func migrate(_ connection: PostgresConnection, upTo: Int? = nil) throws -> [String] {
    try connection.transaction { connection in
      try connection.execute("SELECT pg_advisory_xact_lock($1)", [.integer(Self.lockKey)])
      try connection.executeScript(
        """
        CREATE TABLE IF NOT EXISTS liandong_schema (
          position integer PRIMARY KEY,
          name text NOT NULL UNIQUE,
          applied_at timestamptz NOT NULL DEFAULT now()
        )
        """)
      let applied = try Self.applied(connection)
      guard applied.count <= steps.count, applied == steps.prefix(applied.count).map(\.name) else {
        throw StoreError.schemaTooNew(found: applied.count, supported: steps.count)
      }
      let wanted = steps.prefix(min(upTo ?? steps.count, steps.count)).dropFirst(applied.count)
      for (position, step) in zip((applied.count + 1)..., wanted) {
        try connection.executeScript(step.sql)
        try connection.execute(
          "INSERT INTO liandong_schema (position, name) VALUES ($1, $2)",
          [.integer(Int64(position)), .text(step.name)])
      }
      return wanted.map(\.name)
    }
  }

  /// The names of the steps applied, in order.
  static func applied(_ connection: PostgresConnection) throws -> [String] {
    try connection.execute("SELECT name FROM liandong_schema ORDER BY position").compactMap {
      $0.string("name")
    }
  }
}
