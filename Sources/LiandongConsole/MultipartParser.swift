import Foundation
import LiandongApp

/// Reads a `multipart/form-data` body (RFC 7578) as it arrives, piece by piece, so that a file in
/// a form streams to disk and is never held whole. Pure: bytes in, events out.
struct MultipartParser {
  enum Event: Equatable {
    case part(name: String, fileName: String?, contentType: String?)
    case bytes([UInt8])
    case partEnd
  }

  /// `CRLF--boundary`: what ends a part. The body's first delimiter has no CRLF before it, so
  /// the parser starts as if one had been read.
  private let delimiter: [UInt8]
  private var buffer: [UInt8] = [13, 10]
  private var state = State.preamble
  private enum State { case preamble, afterDelimiter, headers, body, done }
  static let maximumHeaderBytes = 8 * 1024

  init(contentType: String) throws {
    let boundary = contentType.split(separator: ";").lazy
      .map { $0.trimmingCharacters(in: .whitespaces) }
      .first { $0.lowercased().hasPrefix("boundary=") }
      .map {
        String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
      }
    guard contentType.lowercased().hasPrefix("multipart/form-data"), let boundary,
      (1...70).contains(boundary.utf8.count)
    else {
      throw Failure(code: "api.bad-request", message: "a form with a file is sent as multipart/form-data")
    }
    delimiter = Array("\r\n--\(boundary)".utf8)
  }

  var finished: Bool { state == .done }

  mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [Event] {
    buffer.append(contentsOf: bytes)
    var events: [Event] = []
    while true {
      switch state {
      case .done:
        buffer.removeAll()  // the epilogue is ignored
        return events
      case .preamble:
        guard let found = Self.search(delimiter, in: buffer) else {
          buffer.removeFirst(max(0, buffer.count - (delimiter.count - 1)))
          return events
        }
        buffer.removeFirst(found + delimiter.count)
        state = .afterDelimiter
      case .afterDelimiter:
        guard buffer.count >= 2 else { return events }
        if buffer[0] == UInt8(ascii: "-"), buffer[1] == UInt8(ascii: "-") {
          state = .done
        } else if buffer[0] == 13, buffer[1] == 10 {
          buffer.removeFirst(2)
          state = .headers
        } else {
          throw Self.malformed("a boundary line is followed by neither a line end nor \"--\"")
        }
      case .headers:
        guard let end = Self.search(Array("\r\n\r\n".utf8), in: buffer) else {
          guard buffer.count <= Self.maximumHeaderBytes else {
            throw Self.malformed("a part's headers are too long")
          }
          return events
        }
        guard end <= Self.maximumHeaderBytes else { throw Self.malformed("a part's headers are too long") }
        events.append(try Self.part(headers: Array(buffer[..<end])))
        buffer.removeFirst(end + 4)
        state = .body
      case .body:
        if let found = Self.search(delimiter, in: buffer) {
          if found > 0 { events.append(.bytes(Array(buffer[..<found]))) }
          events.append(.partEnd)
          buffer.removeFirst(found + delimiter.count)
          state = .afterDelimiter
        } else {
          let safe = buffer.count - (delimiter.count - 1)
          if safe > 0 {
            events.append(.bytes(Array(buffer[..<safe])))
            buffer.removeFirst(safe)
          }
          return events
        }
      }
    }
  }

  /// The part a header block describes: its field name, and a file's name and type.
  static func part(headers: [UInt8]) throws -> Event {
    var name: String?
    var fileName: String?
    var contentType: String?
    for line in String(decoding: headers, as: UTF8.self).components(separatedBy: "\r\n") {
      guard let colon = line.firstIndex(of: ":") else { continue }
      let field = line[..<colon].lowercased().trimmingCharacters(in: .whitespaces)
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      if field == "content-type" { contentType = value }
      guard field == "content-disposition" else { continue }
      for parameter in value.split(separator: ";").dropFirst() {
        let pair = parameter.split(separator: "=", maxSplits: 1)
        guard pair.count == 2 else { continue }
        let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
        var text = pair[1].trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
          text = String(text.dropFirst().dropLast())
        }
        // Browsers write a quote in a name as %22 (WHATWG's multipart encoding).
        text = text.replacingOccurrences(of: "%22", with: "\"").replacingOccurrences(of: "%0D%0A", with: "\n")
        if key == "name" { name = text } else if key == "filename" { fileName = text }
      }
    }
    guard let name else { throw malformed("a part has no field name") }
    return .part(name: name, fileName: fileName, contentType: contentType)
  }

  /// Where `needle` first starts in `haystack`.
  static func search(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count, let first = needle.first else { return nil }
    return haystack.withUnsafeBufferPointer { hay in
      var index = 0
      let last = hay.count - needle.count
      while index <= last {
        if hay[index] == first {
          var matched = 1
          while matched < needle.count, hay[index + matched] == needle[matched] { matched += 1 }
          if matched == needle.count { return index }
        }
        index += 1
      }
      return nil
    }
  }

  static func malformed(_ what: String) -> Failure {
    Failure(code: "api.bad-request", message: "the form's multipart body is malformed: \(what)")
  }
}
