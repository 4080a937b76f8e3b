import LiandongCore
import Testing

@Suite("The hybrid logical clock")
struct ClockTests {
  @Test("never goes backwards when the wall clock does")
  func wallClockStepsBack() {
    var clock = HybridLogicalClock()
    let first = clock.tick(physicalMillis: 10_000)
    let second = clock.tick(physicalMillis: 4_000)  // the wall clock stepped back 6 s
    let third = clock.tick(physicalMillis: 4_001)
    #expect(first < second && second < third)
    #expect(second.wallMillis == 10_000 && second.counter == 1)
  }

  @Test("follows the wall clock when it moves forward")
  func followsWallClock() {
    var clock = HybridLogicalClock()
    _ = clock.tick(physicalMillis: 1_000)
    #expect(clock.tick(physicalMillis: 2_000) == HLCTimestamp(wallMillis: 2_000, counter: 0))
  }

  @Test("orders local events after the latest change held, whatever the wall clock says")
  func afterLatestHeld() {
    // The store starts the clock from the latest timestamp it holds, local or received.
    var clock = HybridLogicalClock(latest: HLCTimestamp(wallMillis: 50_000, counter: 7))
    #expect(clock.tick(physicalMillis: 1_000) == HLCTimestamp(wallMillis: 50_000, counter: 8))
  }

  @Test("a change counts up to the allowed drift ahead of the clock, and waits beyond (default 5 minutes)")
  func drift() {
    let now: UInt64 = 1_000_000_000
    let limit = HybridLogicalClock.defaultMaximumDriftMillis
    #expect(
      ChainTime.aheadMillis(
        of: HLCTimestamp(wallMillis: now + 300_000), nowMillis: now, maximumDriftMillis: limit) == nil)
    #expect(
      ChainTime.aheadMillis(
        of: HLCTimestamp(wallMillis: now + 300_001), nowMillis: now, maximumDriftMillis: limit) == 300_001)
    #expect(
      ChainTime.aheadMillis(
        of: HLCTimestamp(wallMillis: now + 1_001), nowMillis: now, maximumDriftMillis: 1_000) == 1_001)
  }
}
