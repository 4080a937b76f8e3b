import Foundation
import LiandongCore
import LiandongCrypto
import LiandongStore
import Testing

@Suite("A file's receipt is recorded once")
struct ReceiptOnceTests {
  @Test(
    "two sessions that fetch the same file at once (one dialled, one accepted) leave one 'received' in its custody"
  )
  func concurrentReceipts() async throws {
    let federation = TestFederation.shared
    let origin = try SimulatedNode("n0")
    let lead = try origin.addLead(summary: "a shop selling one-day reports")
    let content = randomBytes(4_096, seed: 7)
    let sha256 = try origin.addEvidence(content, to: lead, audience: nil)
    let directory = temporaryDirectory("receipt-once")
    let home = try federation.home("n1", at: directory)
    _ = try home.store.ingest(
      origin.store.changes(after: [:]), verifier: home.verifier, physicalMillis: Date().unixMillis)

    // A copy that failed its check is recorded (it was discarded); the good copies after it are
    // recorded once.
    try home.recordReceipt(of: sha256, matched: false)
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<4 { group.addTask { try home.recordReceipt(of: sha256, matched: true) } }
      try await group.waitForAll()
    }
    let custody = try #require(try home.store.evidence().first).custody
    #expect(
      custody.filter { $0.event == "received" && $0.node == "n1" }.map(\.hashMatched) == [false, true],
      "\(custody)")
  }
}
