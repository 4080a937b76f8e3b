/// A unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters over a 31-character
/// alphabet, the last a check character over the first 17.
public struct USCC: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String

  static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
  static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

  /// Validates `text` exactly (no case folding or trimming: a code on a licence is upper case);
  /// the error names the offending character and its position.
  public init(_ text: String) throws {
    let characters = Array(text)
    guard characters.count == 18 else {
      throw CoreError.invalidUSCC(text, reason: "it has \(characters.count) characters; a USCC has 18")
    }
    var values: [Int] = []
    for (index, character) in characters.enumerated() {
      guard let value = Self.alphabet.firstIndex(of: character) else {
        let hint = "IOSVZ".contains(character) ? " (I, O, S, V and Z are never used)" : ""
        throw CoreError.invalidUSCC(
          text,
          reason: "character \(index + 1) '\(character)' is not allowed; use 0-9 and upper-case A-Y\(hint)")
      }
      values.append(value)
    }
    let sum = zip(values.prefix(17), Self.weights).reduce(0) { $0 + $1.0 * $1.1 }
    let expected = Self.alphabet[(31 - sum % 31) % 31]
    guard characters[17] == expected else {
      throw CoreError.invalidUSCC(
        text, reason: "character 18 (the check character) is '\(characters[17])' but should be '\(expected)'")
    }
    rawValue = text
  }

  /// Characters 3-8: the division code of the registering authority.
  public var registrationDivision: String { String(Array(rawValue)[2..<8]) }

  public var description: String { rawValue }
}

/// A GB/T 2260 administrative division code: six digits, the first 1-9. The first two digits name
/// the province (京津冀 = 11, 12, 13; 长三角 = 31, 32, 33, 34).
public struct DivisionCode: Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String

  public init(_ text: String) throws(CoreError) {
    guard text.count == 6 else {
      throw CoreError.invalidDivisionCode(
        text, reason: "it has \(text.count) characters; a division code has 6 digits")
    }
    for (index, character) in text.enumerated() where !("0"..."9").contains(character) {
      throw CoreError.invalidDivisionCode(
        text, reason: "character \(index + 1) '\(character)' is not a digit")
    }
    guard text.first != "0" else {
      throw CoreError.invalidDivisionCode(text, reason: "the first digit is 0; province codes start at 1")
    }
    rawValue = text
  }

  public var province: String { String(rawValue.prefix(2)) }
  public var description: String { rawValue }
}
