import Foundation
import LiandongCore
import LiandongNode
import LiandongProtocol
import Testing

/// The two limits that keep a peer from holding a node's sessions: how many it may open at once,
/// and how long it may take over one frame.
struct SessionLimitsTests {
  @Test("a peer gets at most the limit of sessions at once; places come back as sessions end")
  func admission() throws {
    let admission = SessionAdmission(limit: 2)
    let evil = try NodeID("evil")
    let jjj = try NodeID("jjj")
    #expect(admission.admit(evil) && admission.admit(evil))
    #expect(!admission.admit(evil))
    #expect(admission.admit(jjj), "one peer's sessions do not take another's places")
    admission.release(evil)
    #expect(admission.admit(evil))
    #expect(!admission.admit(evil))
  }

  @Test("a frame begun must be finished within the limit; finished frames and silence reset it")
  func frameDeadline() throws {
    var deadline = FrameDeadline(limit: .seconds(60))
    let start = ContinuousClock.now
    // A partial frame, then more bytes of it 59 s later: still in time.
    try deadline.check(completedFrame: false, pendingBytes: 5, now: start)
    try deadline.check(completedFrame: false, pendingBytes: 6, now: start + .seconds(59))
    // A byte at 61 s, and the frame still unfinished: too slow.
    #expect(throws: ProtocolError.slowFrame(seconds: 60)) {
      try deadline.check(completedFrame: false, pendingBytes: 7, now: start + .seconds(61))
    }
    // A read that finished a frame and began the next starts the clock again.
    var moving = FrameDeadline(limit: .seconds(60))
    try moving.check(completedFrame: false, pendingBytes: 5, now: start)
    try moving.check(completedFrame: true, pendingBytes: 3, now: start + .seconds(50))
    try moving.check(completedFrame: false, pendingBytes: 4, now: start + .seconds(100))
    // Nothing pending: nothing to time.
    try moving.check(completedFrame: true, pendingBytes: 0, now: start + .seconds(200))
    try moving.check(completedFrame: false, pendingBytes: 1, now: start + .seconds(300))
  }
}
