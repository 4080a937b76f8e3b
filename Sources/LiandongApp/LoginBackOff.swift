import Foundation

/// How long logins to an account are refused after wrong passwords: the first four failures cost
/// nothing (people mistype), then each further one doubles the wait from 30 seconds up to 15
/// minutes. A guesser gets about a hundred tries a day; the owner waits at most a quarter hour.
/// A correct password during the wait is refused too, so waiting is the only way through.
public enum LoginBackOff {
  public static let freeFailures = 4
  public static let firstWait: TimeInterval = 30
  public static let longestWait: TimeInterval = 15 * 60

  /// The wait after the `failures`-th wrong password in a row (nil: none).
  public static func wait(afterFailures failures: Int) -> TimeInterval? {
    guard failures > freeFailures else { return nil }
    let doublings = min(failures - freeFailures - 1, 10)
    return min(firstWait * pow(2, Double(doublings)), longestWait)
  }
}
