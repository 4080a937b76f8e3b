import Foundation
import LiandongCore
import Testing

/// Reducers refuse blank reasons and names, so a node built with these helpers must answer as
/// nodes built with Foundation's trimming did: otherwise two versions could fold the same
/// change differently.
@Suite("Blank tests and trimming agree with Foundation's character sets")
struct BlankTests {
  @Test("every scalar of the Basic Multilingual Plane is classed as Foundation classes it")
  func everyScalar() {
    var disagreements: [String] = []
    for value in UInt32(0)...0xFFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      let text = String(scalar)
      if text.isBlank != CharacterSet.whitespaces.contains(scalar)
        || text.isBlankOrNewlines != CharacterSet.whitespacesAndNewlines.contains(scalar)
      {
        disagreements.append(String(value, radix: 16))
      }
    }
    #expect(disagreements.isEmpty)
  }

  @Test(
    "trimming keeps inner spaces and combining marks, and drops only the ends",
    arguments: [
      " \t\u{3000}某某公司 旗舰店\u{00A0} ", "\n\nsummary\n", " \u{301}accent", "   ", "", "no-space",
      "\u{2028}line\u{2029}", "\u{85}x\u{85}", "\u{200B}zero-width\u{200B}",
    ])
  func trimming(text: String) {
    #expect(text.trimmingSpaces == text.trimmingCharacters(in: .whitespaces))
  }
}
