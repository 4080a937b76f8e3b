import ArgumentParser
import Foundation
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongStore

struct ChangesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "changes",
    abstract: "Move signed changes between nodes as a file (for air-gapped transfer, and until sync).",
    subcommands: [ChangesExport.self, ChangesImport.self])
}

/// The file format: a sequence of SignedChange messages, each prefixed by its length as a
/// protobuf varint (swift-protobuf's "binary delimited" form).
enum ChangeFile {
  static func write(_ changes: [SignedChange], to url: URL) throws {
    var data = Data()
    for change in changes {
      let bytes = WireCoding.encode(change)
      var length = UInt64(bytes.count)
      repeat {
        var byte = UInt8(length & 0x7f)
        length >>= 7
        if length > 0 { byte |= 0x80 }
        data.append(byte)
      } while length > 0
      data.append(bytes)
    }
    try data.write(to: url, options: .atomic)
  }

  static func read(_ url: URL, maximumChangeBytes: Int = 64 << 20) throws -> [SignedChange] {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw UsageError(
        code: "input.file", message: "cannot read \(url.path): \(Failure.systemReason(error))")
    }
    var changes: [SignedChange] = []
    var index = data.startIndex
    while index < data.endIndex {
      var length: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard index < data.endIndex, shift < 64 else {
          throw UsageError(
            code: "input.change-file", message: "\(url.path) is truncated or not a change file")
        }
        let byte = data[index]
        index += 1
        length |= UInt64(byte & 0x7f) << shift
        if byte & 0x80 == 0 { break }
        shift += 7
      }
      guard length <= UInt64(maximumChangeBytes), Int(length) <= data.endIndex - index else {
        throw UsageError(
          code: "input.change-file",
          message: "\(url.path): a record claims \(length) bytes; the file is damaged")
      }
      let end = index + Int(length)
      changes.append(try WireCoding.decode(data.subdata(in: index..<end)))
      index = end
    }
    return changes
  }
}

struct ChangesExport: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write changes to a file; bodies only for changes whose audience includes --for.")
  @OptionGroup var options: NodeOptions
  @Option(help: ArgumentHelp("The file to write.", valueName: "file")) var out: String
  @Option(
    help: ArgumentHelp(
      "The node the file is for: it receives stubs of changes outside its audience.", valueName: "node"))
  var `for`: String

  func execute() throws {
    let recipient = try NodeID(self.for)
    let changes = try options.openNode().store.changes(after: [:]).map {
      $0.header.audience.includes(recipient, origin: $0.header.origin) ? $0 : $0.stub
    }
    try ChangeFile.write(changes, to: URL(fileURLWithPath: out))
    let stubs = changes.filter(\.isStub).count
    if options.json {
      try Output.json(["changes": changes.count, "stubs": stubs])
    } else {
      print("wrote \(changes.count) changes (\(stubs) as stubs) for \(recipient) to \(out)")
    }
  }
}

struct ChangesImport: NodeCommand {
  static let configuration = CommandConfiguration(
    commandName: "import", abstract: "Verify and store the changes in a file made by 'changes export'.")
  @OptionGroup var options: NodeOptions
  @Argument(help: "The change file.") var file: String

  struct Result: Encodable {
    var stored = 0
    var bodiesFilled = 0
    var duplicates = 0
    var refused: [String] = []
    var forks: [String] = []
  }

  func execute() throws {
    let home = try options.openNode()
    let changes = try ChangeFile.read(URL(fileURLWithPath: file))
    let outcomes = try home.store.ingest(changes, verifier: home.verifier, physicalMillis: Date().unixMillis)
    var result = Result()
    for outcome in outcomes {
      switch outcome {
      case .stored: result.stored += 1
      case .bodyFilled: result.bodiesFilled += 1
      case .duplicate: result.duplicates += 1
      case .refused(let refusal): result.refused.append("[\(refusal.code)] \(refusal.description)")
      case .forkDetected(let refusal): result.forks.append("[\(refusal.code)] \(refusal.description)")
      }
    }
    if options.json {
      try Output.json(result)
    } else {
      print(
        "stored \(result.stored), bodies filled \(result.bodiesFilled), duplicates \(result.duplicates), refused \(result.refused.count), forks \(result.forks.count)"
      )
      for line in result.refused + result.forks { print("  \(line)") }
    }
    if !result.refused.isEmpty || !result.forks.isEmpty { throw ExitCode(1) }
  }
}
