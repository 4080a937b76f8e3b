import Foundation
import LiandongErrors

/// A password from the terminal (asked twice, echo off) or from the first line of standard input.
enum PasswordInput {
  static func read(for account: String) throws -> String {
    guard isatty(STDIN_FILENO) != 0 else {
      guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw UsageError(
          code: "usage.no-password", message: "standard input holds no password for \(account)")
      }
      return line
    }
    let first = try ask("new password for \(account): ")
    guard try ask("the same again: ") == first else {
      throw UsageError(code: "usage.no-password", message: "the two passwords differ; nothing was changed")
    }
    return first
  }

  /// Reads one line with the terminal's echo off, and restores the terminal whatever happens.
  private static func ask(_ prompt: String) throws -> String {
    FileHandle.standardError.write(Data(prompt.utf8))
    var saved = termios()
    tcgetattr(STDIN_FILENO, &saved)
    var quiet = saved
    quiet.c_lflag &= ~tcflag_t(ECHO)
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
    defer {
      tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
      FileHandle.standardError.write(Data("\n".utf8))
    }
    return readLine(strippingNewline: true) ?? ""
  }
}
