/// Text from people and peers, made safe to show in a terminal or a plain text file.
///
/// A lead's summary or a subject's name arrives from other regions by sync and from CSV files.
/// Stored as given (it is evidence), it must still never reach a terminal raw: an escape
/// sequence recolours it or moves the cursor, a carriage return overwrites a line, a newline
/// breaks a table row, and a bidirectional override makes text read differently from what it
/// is. Each such character is shown as a visible escape instead, `\u{1B}`, `\r`, `\u{202E}`.
public enum VisibleText {
  /// `text` with control, line-separating and bidirectional formatting characters escaped.
  /// Everything else (CJK, combining marks, emoji, backslashes) is left as it is, so the result
  /// is unchanged by escaping it again.
  public static func escaped(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 16)
    for scalar in text.unicodeScalars {
      guard needsEscape(scalar) else {
        result.unicodeScalars.append(scalar)
        continue
      }
      switch scalar {
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      default: result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      }
    }
    return result
  }

  public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: true  // C0 and C1 controls, DEL
    case 0x2028, 0x2029: true  // line and paragraph separators
    case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional formatting
    default: false
    }
  }
}
