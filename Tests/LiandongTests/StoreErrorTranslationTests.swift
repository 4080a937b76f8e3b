import Foundation
import GRDB
import LiandongCore
import LiandongErrors
import Testing

@testable import LiandongStore

/// SQLite's failures reach a person as the store's codes, naming the file and never SQLite's
/// own text. The classes a test cannot provoke on demand (another process holding the lock for
/// 30 s, a read-only mount, a failing disk) are checked through the translation itself.
@Suite("SQLite failures become the store's codes")
struct StoreErrorTranslationTests {
  @Test(
    "each failure class has its code and category",
    arguments: [
      (ResultCode.SQLITE_BUSY, "store.busy", ErrorCategory.unavailable),
      (.SQLITE_LOCKED, "store.busy", .unavailable),
      (.SQLITE_READONLY, "store.read-only", .unavailable),
      (.SQLITE_IOERR, "store.io", .unavailable),
      (.SQLITE_CANTOPEN, "store.cannot-open", .unavailable),
      (.SQLITE_CORRUPT, "store.damaged", .internal),
      (.SQLITE_NOTADB, "store.damaged", .internal),
      (.SQLITE_FULL, "node.disk-full", .unavailable),
      (.SQLITE_MISMATCH, "store.unexpected", .internal),
    ])
  func translated(result: ResultCode, code: String, category: ErrorCategory) throws {
    let raw = DatabaseError(resultCode: result, message: "raw sqlite text")
    let error = try #require(
      StoreError.translating(raw, path: "/srv/liandong/liandong.sqlite") as? StoreError)
    #expect(error.code == code && error.category == category, "\(error)")
    #expect(error.description.contains("/srv/liandong/liandong.sqlite"))
    #expect(!error.description.contains("raw sqlite text") && !error.description.contains("SQLite error"))
  }

  @Test("a database in a folder that does not exist cannot be opened, and says where")
  func cannotOpen() throws {
    let path = temporaryDirectory("cannot-open").appendingPathComponent("absent/liandong.sqlite").path
    let error = try #require(throws: StoreError.self) { try NodeStore(path: path, node: NodeID("n0")) }
    #expect(error.code == "store.cannot-open" && error.description.contains(path), "\(error)")
  }
}
