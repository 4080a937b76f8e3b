/// Whitespace tests and trimming that give exactly what Foundation's `trimmingCharacters(in:)`
/// gives with `.whitespaces` or `.whitespacesAndNewlines`, without bridging through `NSString`:
/// that bridge was a tenth of `lead import`'s time and a visible share of every received lead's
/// validation. Reducers depend on these answers, so the character sets must not drift from
/// Foundation's: tab, the space separators (Zs) and the zero-width space U+200B, plus the newlines
/// U+000A–U+000D, U+0085, U+2028 and U+2029 where newlines count.
extension StringProtocol {
  /// The text without leading and trailing tabs and space separators.
  public var trimmingSpaces: String {
    let text = String(self)
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.isSpace(newlines: false) }),
      let last = scalars.lastIndex(where: { !$0.isSpace(newlines: false) })
    else { return "" }
    // Most cells have nothing to trim; rebuilding them scalar by scalar was a twentieth of an import.
    if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return text }
    return String(scalars[first...last])
  }

  /// True when nothing but tabs and space separators is left once trimmed.
  public var isBlank: Bool { unicodeScalars.allSatisfy { $0.isSpace(newlines: false) } }

  /// True when nothing but whitespace and newlines is left once trimmed.
  public var isBlankOrNewlines: Bool { unicodeScalars.allSatisfy { $0.isSpace(newlines: true) } }
}

extension Unicode.Scalar {
  fileprivate func isSpace(newlines: Bool) -> Bool {
    switch value {
    case 0x09, 0x20, 0x200B: return true
    case 0x0A...0x0D, 0x85, 0x2028, 0x2029: return newlines
    case 0...0x7F: return false
    default: return properties.generalCategory == .spaceSeparator
    }
  }
}
