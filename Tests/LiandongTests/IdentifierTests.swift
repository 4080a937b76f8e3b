import Foundation
import LiandongCore
import Testing

@Suite("Identifiers are validated exactly as DOMAIN.md gives them")
struct IdentifierTests {
  @Test("the standard's own USCC example is valid, and names its registering division")
  func standardExample() throws {
    let code = try USCC("91350100M000100Y43")
    #expect(code.registrationDivision == "350100")
  }

  @Test("any other check character is refused, naming the expected one")
  func wrongCheckCharacter() {
    for last in "0123456789ABCDEFGHJKLMNPQRTUWXY" where last != "3" {
      #expect(
        throws: CoreError.invalidUSCC(
          "91350100M000100Y4\(last)",
          reason: "character 18 (the check character) is '\(last)' but should be '3'")
      ) {
        try USCC("91350100M000100Y4\(last)")
      }
    }
  }

  @Test(
    "letters outside the alphabet are refused with their position",
    arguments: ["I", "O", "S", "V", "Z", "a", "-"])
  func forbiddenCharacters(letter: String) throws {
    let code = "91350100M\(letter)00100Y43"
    let error = try #require(throws: CoreError.self) { try USCC(code) }
    #expect(error.description.contains("character 10 '\(letter)'"))
  }

  @Test("a USCC of the wrong length is refused with its length")
  func wrongLength() throws {
    let error = try #require(throws: CoreError.self) { try USCC("91350100M000100Y4") }
    #expect(error.description.contains("has 17 characters"))
    #expect(error.code == "input.uscc")
  }

  @Test("more codes computed by hand from the weights are accepted")
  func handComputed() throws {
    // 91110000600037341: weighted sum 538, 538 mod 31 = 11, 31 - 11 = 20 -> 'L'.
    _ = try USCC("91110000600037341L")
    #expect(throws: CoreError.self) { try USCC("91110000600037341Y") }
    // 91310000MA1FL8TQ3: weighted sum 2412, mod 31 = 25, 31 - 25 = 6 -> '6'.
    _ = try USCC("91310000MA1FL8TQ36")
  }

  @Test("division codes: six digits, first digit 1-9; province from the first two")
  func divisionCodes() throws {
    #expect(try DivisionCode("310000").province == "31")
    #expect(try DivisionCode("110105").province == "11")
    #expect(throws: CoreError.self) { try DivisionCode("010000") }
    #expect(throws: CoreError.self) { try DivisionCode("31000") }
    #expect(throws: CoreError.self) { try DivisionCode("31000a") }
    let error = try #require(throws: CoreError.self) { try DivisionCode("3100x0") }
    #expect(error.description.contains("character 5 'x' is not a digit"))
  }

  @Test("object IDs keep their bytes, print as UUID.uuidString does, and sort as their bytes do")
  func objectIDsMatchTheirBytes() throws {
    let seed = UInt64.random(in: 0...UInt64.max)
    print("objectIDsMatchTheirBytes seed: \(seed)")
    var random = SeededGenerator(seed: seed)
    // Bytes equal at the front exercise the second word of the comparison.
    var samples: [Data] = [Data(repeating: 0, count: 16), Data(repeating: 0xff, count: 16)]
    for _ in 0..<500 {
      var bytes = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
      if Bool.random(using: &random), let earlier = samples.randomElement(using: &random) {
        bytes.replaceSubrange(0..<8, with: earlier.prefix(8))
      }
      samples.append(bytes)
    }
    let ids = try samples.map { try #require(ObjectID(bytes: $0)) }
    for (id, bytes) in zip(ids, samples) {
      #expect(id.bytes == bytes)
      let uuid = bytes.withUnsafeBytes { $0.loadUnaligned(as: uuid_t.self) }
      #expect(id.description == UUID(uuid: uuid).uuidString.lowercased())
      #expect(try ObjectID(id.description) == id)
    }
    for (a, b) in zip(ids, ids.shuffled(using: &random)) {
      #expect((a < b) == samples[ids.firstIndex(of: a)!].lexicographicallyPrecedes(b.bytes))
    }
    #expect(ObjectID(bytes: Data(count: 15)) == nil)
  }

  @Test("node IDs: 2-32 of a-z, 0-9 and '-'")
  func nodeIDs() throws {
    for good in ["jjj", "yrd", "310000", "pearl-river-delta", "ab", String(repeating: "a", count: 32)] {
      #expect(try NodeID(good).rawValue == good)
    }
    for bad in ["a", "", "YRD", "yrd_1", "yrd.gov", String(repeating: "a", count: 33), "省局"] {
      #expect(throws: CoreError.invalidNodeID(bad)) { try NodeID(bad) }
    }
  }

  @Test("an act on a shared object reaches its origin and parties, not the actor itself")
  func actAudience() throws {
    let (jjj, yrd, prd) = (try NodeID("jjj"), try NodeID("yrd"), try NodeID("prd"))
    // jjj's lead for yrd is stored with audience "yrd"; yrd's evidence on it must reach jjj.
    #expect(Audience.nodes([yrd]).forAct(by: yrd, parties: [jjj]) == .nodes([jjj]))
    #expect(Audience.nodes([yrd, prd]).forAct(by: prd, parties: [jjj]) == .nodes([jjj, yrd]))
    #expect(Audience.all.forAct(by: yrd, parties: [jjj]) == .all)
  }

  @Test("audiences parse from the command line's --to")
  func audiences() throws {
    #expect(try Audience(parsing: "all") == .all)
    #expect(try Audience(parsing: "yrd,prd") == .nodes([try NodeID("yrd"), try NodeID("prd")]))
    #expect(try Audience(parsing: "origin-only") == .originOnly)
    #expect(try Audience(parsing: "prd, yrd").description == "prd,yrd")
    #expect(throws: CoreError.self) { try Audience(parsing: "group:yrd") }
    #expect(throws: CoreError.self) { try Audience(parsing: "all,yrd") }
    #expect(throws: CoreError.self) { try Audience(parsing: "yrd,,prd") }
    let yrd = try NodeID("yrd")
    let jjj = try NodeID("jjj")
    #expect(Audience.originOnly.includes(jjj, origin: jjj))
    #expect(!Audience.originOnly.includes(yrd, origin: jjj))
  }

  @Test("canonical names are the only spellings accepted")
  func canonicalNames() throws {
    #expect(try Violation(canonical: "forged-report") == .forgedReport)
    let error = try #require(throws: CoreError.self) { try Violation(canonical: "forged_report") }
    #expect(error.description.contains("misused-cma"))
  }
}
