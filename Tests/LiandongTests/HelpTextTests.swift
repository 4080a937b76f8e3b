import ArgumentParser
import Testing

@testable import liandong

/// Help that teaches: every example in every command's help survives an 80-column terminal, so
/// it can be copied and pasted as it stands.
@Suite("Help text")
struct HelpTextTests {
  static func commands(_ root: any ParsableCommand.Type) -> [any ParsableCommand.Type] {
    [root] + root.configuration.subcommands.flatMap { commands($0) }
  }

  @Test("every example line in every command's help is an indented line of at most 80 columns")
  func examplesSurviveWrapping() {
    var checked = 0
    for command in Self.commands(Liandong.self) {
      let help = Liandong.helpMessage(for: command, columns: 80)
      var inExample = false
      for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("Example") {
          inExample = true
          continue
        }
        if line.trimmingCharacters(in: .whitespaces).isEmpty || line.hasPrefix("USAGE") {
          inExample = false
          continue
        }
        guard inExample else { continue }
        checked += 1
        #expect(
          line.hasPrefix("  ") && TerminalText.width(String(line)) <= 80,
          "\(command._commandName): an example line was wrapped or is too long: '\(line)'")
      }
    }
    #expect(checked > 10, "examples were found (\(checked) lines)")
  }
}
