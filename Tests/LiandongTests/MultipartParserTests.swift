import Foundation
import Testing

@testable import LiandongConsole

@Suite("Multipart forms are read piece by piece")
struct MultipartParserTests {
  static let boundary = "----WebKitFormBoundaryQ8cY2bXh3kP0"

  /// A body as a browser writes it: text fields, then a file whose bytes hold near-boundaries.
  static func body(fields: [(String, String)], file: [UInt8]?) -> [UInt8] {
    var body: [UInt8] = []
    for (name, value) in fields {
      body += Array(
        "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }
    if let file {
      body += Array(
        "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"截图 1.png\"\r\nContent-Type: image/png\r\n\r\n"
          .utf8)
      body += file + Array("\r\n".utf8)
    }
    return body + Array("--\(boundary)--\r\n".utf8)
  }

  /// Parses `body` fed in the given piece sizes; the text fields, the file's name and bytes.
  static func parse(_ body: [UInt8], pieces: [Int]) throws -> (
    fields: [String: String], fileName: String?, file: [UInt8], finished: Bool
  ) {
    var parser = try MultipartParser(contentType: "multipart/form-data; boundary=\(boundary)")
    var fields: [String: String] = [:]
    var fileName: String?
    var file: [UInt8] = []
    var current: (name: String, fileName: String?)?
    var text: [UInt8] = []
    var offset = 0
    for size in pieces + [body.count] where offset < body.count {
      let end = min(body.count, offset + size)
      for event in try parser.feed(body[offset..<end]) {
        switch event {
        case .part(let name, let name2, _):
          current = (name, name2)
          if name2 != nil { fileName = name2 }
          text = []
        case .bytes(let bytes): if current?.fileName != nil { file += bytes } else { text += bytes }
        case .partEnd:
          if let current, current.fileName == nil {
            fields[current.name] = String(decoding: text, as: UTF8.self)
          }
          current = nil
        }
      }
      offset = end
    }
    return (fields, fileName, file, parser.finished)
  }

  @Test("any split of a body into pieces reads the same fields and file, whatever the file's bytes hold")
  func anySplit() throws {
    let seed = UInt64(ProcessInfo.processInfo.environment["LIANDONG_SEED"] ?? "") ?? 0x5EED_F0A1
    print("multipart split seed \(seed) (replay with LIANDONG_SEED=\(seed))")
    var random = SeededGenerator(seed: seed)
    for round in 0..<200 {
      // The file holds the boundary's beginnings, line ends and dashes, where a parser goes wrong.
      let traps: [[UInt8]] = [
        Array("\r\n--".utf8), Array("\r\n--\(Self.boundary.prefix(10))".utf8), Array("\r\n\r\n".utf8), [13],
        [45, 45],
      ]
      var file: [UInt8] = []
      for _ in 0..<Int(random.next() % 40) {
        file +=
          random.next() % 3 == 0
          ? traps[Int(random.next() % UInt64(traps.count))]
          : (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      }
      let fields = [("csrf", "tok\(round)"), ("summary", "出售伪造的报告\r\n第二行 -- 破折号"), ("empty", "")]
      let body = Self.body(fields: fields, file: file)
      let pieces = (0..<Int(random.next() % 30)).map { _ in 1 + Int(random.next() % 200) }
      let parsed = try Self.parse(body, pieces: pieces)
      let replay = "seed \(seed), round \(round) (replay with LIANDONG_SEED=\(seed))"
      let (finished, sameFields) = (
        parsed.finished, parsed.fields == Dictionary(uniqueKeysWithValues: fields)
      )
      let sameFile = parsed.fileName == "截图 1.png" && parsed.file == file
      #expect(
        finished && sameFields && sameFile, "\(replay): \(parsed.file.count) bytes read of \(file.count)")
    }
  }

  @Test("a body cut before its closing boundary, a header without a name, or no boundary are refused")
  func malformed() throws {
    let body = Self.body(fields: [("a", "1")], file: Array("file".utf8))
    #expect(!(try Self.parse(Array(body.dropLast(10)), pieces: [7])).finished)
    let nameless = Array(
      "--\(Self.boundary)\r\nContent-Disposition: form-data\r\n\r\nx\r\n--\(Self.boundary)--".utf8)
    #expect(thrownCode { _ = try Self.parse(nameless, pieces: []) } == "api.bad-request")
    #expect(thrownCode { _ = try MultipartParser(contentType: "multipart/form-data") } == "api.bad-request")
    #expect(
      thrownCode { _ = try MultipartParser(contentType: "text/plain; boundary=x") } == "api.bad-request")
    let endless = Array("--\(Self.boundary)\r\n".utf8) + Array(repeating: UInt8(ascii: "h"), count: 9000)
    #expect(thrownCode { _ = try Self.parse(endless, pieces: [100]) } == "api.bad-request")
  }
}
