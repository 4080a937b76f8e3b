import Foundation

/// What `doctor` and `verify` ask of the store beneath the log: is the place it is kept sound.
public enum StoreHealth {
  /// What is wrong with `store`: on SQLite, its quick (or full) integrity check of the file; on a
  /// hub, the schema steps this program knows that the database lacks (a node brings them up to
  /// date when it opens the database, so one missing means a role that may not create them).
  /// Empty when sound; throws when the store cannot be read at all.
  public static func problems(of store: any NodeStorage, quick: Bool) throws -> [String] {
    if let database = store as? NodeStore { return try database.databaseProblems(quick: quick) }
    guard let hub = store as? PostgresStore else { return [] }
    let applied = Set(try hub.appliedSchemaVersions())
    let missing = PostgresStore.schemaVersions.filter { !applied.contains($0) }
    // A read of the log itself, beyond the schema's own table.
    _ = try store.versionVector()
    return missing.isEmpty ? [] : ["schema steps not applied: \(missing.joined(separator: ", "))"]
  }
}
