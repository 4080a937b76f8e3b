import Foundation
import LiandongCore
import Testing

@Suite("The federation manifest, sharing groups and designated jurisdiction", .serialized)
struct FederationManifestTests {
  func json(_ result: ProcessResult) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
  }

  func everyone(_ nodes: [NodeProcess]) async throws {
    for _ in 0..<2 {
      for source in nodes {
        for destination in nodes where destination !== source { try await source.carry(to: destination) }
      }
    }
  }

  @Test(
    "only a manifest the CA signed is installed and travels; group:NAME resolves through it; a superior it names designates after an objection or a claim, and nobody else can"
  )
  func manifestAndDesignation() async throws {
    let federation = try TestFederation(label: "manifest", nodes: ["jjj", "yrd", "prd", "samr"])
    let (jjj, yrd, prd, samr) = (
      try await NodeProcess("jjj", federation: federation),
      try await NodeProcess("yrd", federation: federation),
      try await NodeProcess("prd", federation: federation),
      try await NodeProcess("samr", federation: federation)
    )
    let nodes = [jjj, yrd, prd, samr]
    let folder = temporaryDirectory("manifest-files")
    func manifest(_ name: String, version: Int, signWith ca: TestFederation) async throws -> (String, String)
    {
      let file = folder.appendingPathComponent("\(name).json")
      try Data(
        """
        {"federation": "test", "version": \(version),
         "groups": {"south": ["yrd", "prd"]},
         "superiors": {"samr": ["jjj", "yrd", "prd"]}}
        """.utf8
      ).write(to: file)
      try ca.pki(["manifest", ca.directory.path, file.path])
      return (file.path, file.path + ".sig")
    }

    // Refused: signed by another CA; a document altered after signing; then one of ours.
    let foreign = try TestFederation(label: "manifest-foreign")
    let (forgedFile, forgedSignature) = try await manifest("forged", version: 1, signWith: foreign)
    let forged = try await jjj.cli("federation", "install", forgedFile, "--signature", forgedSignature)
    #expect(forged.failed(with: "manifest.refused"), "\(forged)")
    let (file, signature) = try await manifest("v1", version: 1, signWith: federation)
    let altered = folder.appendingPathComponent("altered.json")
    try Data(
      try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "jjj", with: "xyz").utf8
    )
    .write(to: altered)
    let tampered = try await jjj.cli("federation", "install", altered.path, "--signature", signature)
    #expect(tampered.failed(with: "manifest.refused"), "\(tampered)")
    let noGroups = try await jjj.cli(
      "lead", "add", "--subject-name", "某店", "--violation", "other", "--summary", "s", "--to", "group:south")
    #expect(
      noGroups.failed(with: "input.audience") && noGroups.stderr.contains("federation install"), "\(noGroups)"
    )
    #expect(try await jjj.cli("federation", "install", file, "--signature", signature).status == 0)
    let again = try await jjj.cli("federation", "install", file, "--signature", signature)
    #expect(again.failed(with: "manifest.not-newer"), "\(again)")
    try await everyone(nodes)
    for node in nodes {
      let shown = try await json(try node.cli("federation", "show", "--json"))
      #expect(shown["version"] as? Int == 1, "\(node.name) holds the manifest")
    }

    // group:south names yrd and prd in the change itself.
    let grouped = try json(
      try await jjj.cli(
        "lead", "add", "--subject-name", "速通检测服务店", "--violation", "forged-report", "--summary",
        "one-day reports", "--to", "group:south", "--json"))
    #expect(grouped["audience"] as? String == "prd,yrd", "\(grouped)")
    let unknown = try await jjj.cli(
      "lead", "add", "--subject-name", "某店", "--violation", "other", "--summary", "s", "--to", "group:north")
    #expect(
      unknown.failed(with: "input.group") && unknown.stderr.contains("south"),
      "\(unknown)")

    // An objection reaches the superior with the case; only the superior designates.
    let lead = try #require(grouped["id"] as? String)
    #expect(
      try await jjj.cli("handoff", "offer", lead, "--to", "yrd", "--letter", "registered in Shanghai").status
        == 0)
    try await jjj.carry(to: yrd)
    #expect(try await yrd.cli("handoff", "object", lead, "--reason", "it operates in Zhejiang").status == 0)
    try await everyone(nodes)
    let atSuperior = try await json(try samr.cli("lead", "show", lead, "--json"))
    #expect(
      atSuperior["summary"] as? String == "one-day reports", "the superior reads the case it must settle")
    let due = try await samr.cli("due", "--json")
    #expect(due.stdout.contains("designation") && due.stdout.contains("superior"), "\(due)")
    let usurper = try await yrd.cli("handoff", "designate", lead, "--to", "prd", "--reason", "mine to say")
    #expect(usurper.failed(with: "op.not-superior"), "\(usurper)")
    let designated = try await samr.cli(
      "handoff", "designate", lead, "--to", "jjj", "--reason", "registered in Beijing")
    #expect(designated.status == 0, "\(designated)")
    try await everyone(nodes)
    for node in [jjj, yrd, samr] {
      let view = try await json(try node.cli("lead", "show", lead, "--json"))
      let handOff = view["handOff"] as? [String: Any]
      #expect(view["owner"] as? String == "jjj", "\(node.name): \(view)")
      #expect(handOff?["state"] as? String == "designated" && handOff?["designatedBy"] as? String == "samr")
    }
    let passOn = try await jjj.cli("handoff", "offer", lead, "--to", "prd", "--letter", "again")
    #expect(passOn.failed(with: "op.no-second-handoff"), "\(passOn)")

    // Two bureaus claiming one case: a conflict on every side until the superior designates.
    let shared = try json(
      try await jjj.cli(
        "lead", "add", "--subject-name", "某认证店", "--violation", "no-ccc", "--summary", "forged CCC", "--to",
        "all", "--json"))
    let disputed = try #require(shared["id"] as? String)
    try await everyone(nodes)
    #expect(
      try await prd.cli("handoff", "claim", disputed, "--reason", "the shop operates in Guangzhou").status
        == 0)
    let second = try await yrd.cli("handoff", "claim", disputed, "--reason", "us too")
    #expect(second.status == 0 || second.stderr.contains("op.wrong-state"))
    try await everyone(nodes)
    for node in [jjj, prd, samr] {
      let conflicts = try await node.cli("conflicts")
      #expect(conflicts.stdout.contains("jurisdiction \(disputed)"), "\(node.name): \(conflicts)")
      #expect(
        try await node.cli("due").stdout.contains("negotiation"), "\(node.name) sees the negotiation deadline"
      )
    }
    #expect(
      try await samr.cli("handoff", "designate", disputed, "--to", "prd", "--reason", "where it operates")
        .status
        == 0)
    try await everyone(nodes)
    for node in nodes {
      #expect(try await node.cli("conflicts").stdout.contains("no conflicts"), "\(node.name)")
      #expect(try await json(try node.cli("lead", "show", disputed, "--json"))["owner"] as? String == "prd")
      #expect(try await node.cli("verify").status == 0, "\(node.name) verifies")
    }
    let digests = try await Set(
      nodes.asyncMap { try await $0.status()["heldChangesDigest"] as? String ?? "" })
    #expect(digests.count == 1)
  }
}

@Suite("A manifest document is checked before anything is signed or installed")
struct ManifestDocumentTests {
  @Test(
    "not JSON, version 0, a bad group name or a bad node ID: each refused, saying which",
    arguments: [
      ("members: yrd", "not a manifest document"),
      (#"{"federation": "f", "version": 0}"#, "version must be 1 or more"),
      (#"{"federation": "f", "version": 1, "groups": {"Y R D": ["yrd"]}}"#, "group 'Y R D'"),
      (
        #"{"federation": "f", "version": 1, "superiors": {"nat": ["Shanghai"]}}"#,
        "'Shanghai' is not a node ID"
      ),
    ])
  func invalid(document: String, says: String) throws {
    let error = try #require(throws: CoreError.self) { try FederationManifest.parse(Data(document.utf8)) }
    #expect(error.code == "manifest.invalid" && "\(error)".contains(says), "\(error)")
  }
}
