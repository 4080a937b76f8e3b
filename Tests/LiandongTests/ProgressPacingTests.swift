import Foundation
import Testing

@testable import liandong

@Suite("Progress lines on stderr")
struct ProgressPacingTests {
  let start = Date(timeIntervalSince1970: 1_800_000_000)

  @Test("nothing is drawn when stderr is not a terminal, however long the work takes")
  func silentOffTerminal() {
    var pacing = ProgressPacing(enabled: false, started: start)
    let drawn = [0.5, 2, 10, 600].filter { pacing.due(at: start + $0) }
    #expect(drawn.isEmpty)
    #expect(!pacing.hasShown)
  }

  @Test("on a terminal: nothing in the first second, then at most four lines a second")
  func pacedOnTerminal() {
    var pacing = ProgressPacing(enabled: true, started: start)
    let firstSecond = [0.2, 0.99].map { pacing.due(at: start + $0) }
    #expect(firstSecond == [false, false] && !pacing.hasShown)
    let afterIt = [1.01, 1.1, 1.25, 1.3].map { pacing.due(at: start + $0) }
    #expect(afterIt == [true, false, false, true] && pacing.hasShown)
    let drawn = stride(from: 2.0, to: 4.0, by: 0.01).filter { pacing.due(at: start + $0) }.count
    #expect((7...8).contains(drawn), "\(drawn) lines in two seconds")
  }
}
