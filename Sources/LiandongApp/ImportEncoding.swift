import Foundation
import LiandongCore
import LiandongErrors

#if canImport(Glibc)
  import Glibc
#endif

/// The character encodings a CSV file of leads may come in. Offices export from Excel, which
/// on a Chinese Windows saves "CSV" in GB18030 (GBK, its subset): read as UTF-8 it would be
/// refused, or worse, read wrongly.
public enum ImportEncoding: String, CanonicalName, Codable {
  public static let fieldName = "encoding"

  /// UTF-8 when the bytes are UTF-8, else GB18030 when they are that; said in the summary.
  case auto
  case utf8 = "utf-8"
  case gb18030
  /// GBK files are GB18030 files: every GBK byte sequence means the same in GB18030.
  case gbk

  /// `data` as text, and the encoding it was read in.
  public func decode(_ data: Data, fileName: String) throws -> (text: String, encoding: ImportEncoding) {
    switch self {
    case .utf8:
      if let text = String(validating: data, as: UTF8.self) { return (text, .utf8) }
      throw UsageError(
        code: "import.not-utf8",
        message: "\(fileName) is not UTF-8 text (byte \(Self.firstInvalidUTF8(data)) is not); "
          + "if Excel saved it, try --encoding gb18030")
    case .gb18030, .gbk:
      if let text = Self.gb18030(data) { return (text, self) }
      throw UsageError(
        code: "import.not-gb18030",
        message: "\(fileName) is not GB18030 (GBK) text; check the file's encoding")
    case .auto:
      if let text = String(validating: data, as: UTF8.self) { return (text, .utf8) }
      if let text = Self.gb18030(data) { return (text, .gb18030) }
      throw UsageError(
        code: "import.not-utf8",
        message:
          "\(fileName) is neither UTF-8 nor GB18030 text (byte \(Self.firstInvalidUTF8(data)) is not UTF-8)")
    }
  }

  /// The offset of the first byte that breaks UTF-8, for the message.
  private static func firstInvalidUTF8(_ data: Data) -> Int {
    var parser = Unicode.UTF8.ForwardParser()
    var bytes = data.makeIterator()
    var offset = 0
    while case .valid(let scalar) = parser.parseScalar(from: &bytes) { offset += scalar.count }
    return offset
  }

  /// Converts GB18030 to UTF-8 with glibc's iconv; nil if any byte sequence is not GB18030.
  static func gb18030(_ data: Data) -> String? {
    let converter = iconv_open("UTF-8", "GB18030")
    guard converter != iconv_t(bitPattern: -1) else { return nil }
    defer { iconv_close(converter) }
    var output = [UInt8](repeating: 0, count: data.count * 2 + 16)
    let converted: Int? = data.withUnsafeBytes { input -> Int? in
      var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(
        mutating: input.bindMemory(to: CChar.self).baseAddress)
      var inLeft = input.count
      return output.withUnsafeMutableBytes { buffer -> Int? in
        var outPointer = buffer.bindMemory(to: CChar.self).baseAddress
        var outLeft = buffer.count
        guard iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else {
          return nil
        }
        return buffer.count - outLeft
      }
    }
    guard let converted else { return nil }
    return String(validating: output[..<converted], as: UTF8.self)
  }
}
