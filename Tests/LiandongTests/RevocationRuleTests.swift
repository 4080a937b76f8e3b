import Foundation
import LiandongApp
import LiandongCore
import LiandongStore
import Testing

@Suite("A revoked key's backdated changes are withheld unless another node witnessed them in time")
struct RevocationRuleTests {
  let origin = try! NodeID("n0")
  let witness = try! NodeID("n1")

  @Test(
    "the rule: a revoked signer's change counts only with another node's checkpoint before the revocation, by a certificate itself unrevoked then"
  )
  func rule() {
    func standing(_ witnesses: [RevocationRule.Witness], announcedInWithheld: ChangeID? = nil)
      -> RevocationRule.Standing
    {
      RevocationRule.standing(
        origin: origin, revokedAtMillis: 10_000, announcedInWithheld: announcedInWithheld,
        witnesses: witnesses)
    }
    #expect(
      RevocationRule.standing(origin: origin, revokedAtMillis: nil, announcedInWithheld: nil, witnesses: [])
        == .counts)
    #expect(standing([]) == .unwitnessed(revokedAtMillis: 10_000))
    #expect(standing([.init(node: witness, timeMillis: 9_999, signerRevokedAtMillis: nil)]) == .counts)
    // At the revocation or after it, no witness; the origin never witnesses itself.
    #expect(standing([.init(node: witness, timeMillis: 10_000, signerRevokedAtMillis: nil)]) != .counts)
    #expect(standing([.init(node: origin, timeMillis: 5_000, signerRevokedAtMillis: nil)]) != .counts)
    // A witness whose own key was revoked before its checkpoint is no witness (a second thief).
    #expect(standing([.init(node: witness, timeMillis: 5_000, signerRevokedAtMillis: 4_000)]) != .counts)
    #expect(standing([.init(node: witness, timeMillis: 5_000, signerRevokedAtMillis: 6_000)]) == .counts)
    // A certificate announced in a withheld change signs nothing that counts.
    let announcer = ChangeID(hashing: Data("rotation".utf8))
    #expect(
      standing(
        [.init(node: witness, timeMillis: 5_000, signerRevokedAtMillis: nil)], announcedInWithheld: announcer)
        == .announcedInWithheld(announcer))
    #expect(standing([]).reason?.contains("no other node's checkpoint") == true)
    #expect(
      RevocationRule.standing(
        origin: origin, revokedAtMillis: 10_000, announcedInWithheld: nil, witnesses: [], cutOff: true)
        == .counts)
  }

  @Test("a manifest's cut-off must name a sequence and the change there")
  func cutOffChecked() throws {
    let head = String(repeating: "ab", count: 32)
    let good = try FederationManifest.parse(
      Data(
        #"{"federation": "t", "version": 3, "cutoffs": [{"origin": "n0", "sequence": 4, "head": "\#(head)"}]}"#
          .utf8))
    #expect(good.cutoffs == [RevocationCutOff(origin: "n0", sequence: 4, head: head)])
    for bad in [
      #"{"origin": "n0", "sequence": 0, "head": "\#(head)"}"#,
      #"{"origin": "n0", "sequence": 4, "head": "xyz"}"#,
    ] {
      do {
        _ = try FederationManifest.parse(
          Data(#"{"federation": "t", "version": 3, "cutoffs": [\#(bad)]}"#.utf8))
        Issue.record("accepted \(bad)")
      } catch {
        #expect(error.code == "manifest.invalid" && error.description.contains("cutoffs: n0"), "\(error)")
      }
    }
    // The CA's script will not sign one either.
    let file = temporaryDirectory("cutoff").appendingPathComponent("bad.json")
    try Data(
      #"{"federation": "test", "version": 5, "cutoffs": [{"origin": "n0", "sequence": 2, "head": "abc"}]}"#
        .utf8
    )
    .write(to: file)
    let federation = TestFederation.shared
    let refused = #expect(throws: TestFailure.self) {
      try federation.pki(["manifest", federation.directory.path, file.path])
    }
    #expect(
      refused?.description.contains("each entry of \"cutoffs\"") == true, "\(String(describing: refused))")
    #expect(!FileManager.default.fileExists(atPath: file.path + ".sig"))
  }

  @Test(
    "a change stamped before the CA revoked its signer, that no other node held before then, is withheld on every node that has the CRL; a witnessed one counts; ingest, a new CRL and a rebuild agree"
  )
  func withheld() async throws {
    let federation = try TestFederation(label: "withheld", nodes: ["n0", "n1", "n2", "n3"])
    let victim = try SimulatedNode("n0", federation: federation)
    let witnessNode = try SimulatedNode("n1", federation: federation)
    let late = try SimulatedNode("n2", federation: federation)
    let early = try SimulatedNode("n3", federation: federation)
    let honest = try victim.addLead(summary: "recorded before the theft")
    try SessionPump(victim, witnessNode).run()
    let checkpoint = try #require(try witnessNode.store.latestCheckpoint(of: witnessNode.id))
    // The thief signs with the stolen key; the change's stamp precedes the revocation.
    let stolen = try victim.addLead(summary: "signed by the thief")
    let stolenChange = try #require(try victim.store.changes(touching: [stolen]).last)
    // One node takes everything before the CRL exists: to it, both leads stand.
    _ = try early.receive(try victim.store.changes(after: [:]))
    #expect(try early.store.lead(stolen.description) != nil)

    try await Task.sleep(for: .seconds(1.1))  // CRL times have one-second resolution
    try federation.revoke("n0")
    try federation.publishCRL()
    let trust = try federation.trust()
    let verifier = ChangeVerifier(trust: trust)

    // A node that has the CRL, and the witness's checkpoint only later.
    #expect(try late.store.applyRevocations(trust) == false, "it holds no certificate of n0 yet")
    let outcomes = try late.store.ingest(
      try victim.store.changes(after: [:]), verifier: verifier, physicalMillis: Date().unixMillis)
    #expect(outcomes.allSatisfy { $0 == .stored }, "held, not refused: \(outcomes)")
    #expect(try late.store.lead(honest.description) == nil && late.store.lead(stolen.description) == nil)
    #expect(try late.store.keep([checkpoint], trust: trust, now: Date()).kept == 1)
    #expect(try late.store.lead(honest.description) != nil, "witnessed before the revocation: it counts")
    #expect(try late.store.lead(stolen.description) == nil)
    let withheld = try late.store.withheldChanges()
    #expect(withheld.map(\.id) == [stolenChange.id.hex], "\(withheld)")
    #expect(withheld.first?.reason.contains("revoked at") == true)

    // The node that had folded the thief's lead drops it when the CRL arrives; same inputs, same
    // projections, and a rebuild changes nothing.
    #expect(try early.store.keep([checkpoint], trust: trust, now: Date()).kept == 1)
    // `crl install --dry-run` first: it names the revoked certificate and exactly the changes the
    // CRL then withholds, and changes nothing.
    let digestBefore = try early.store.projectionDigest()
    let preview = try early.store.previewRevocations(trust)
    #expect(preview.revoked.map(\.node) == ["n0"] && preview.withheld == withheld, "\(preview)")
    #expect(try early.store.projectionDigest() == digestBefore && early.store.withheldChanges().isEmpty)
    #expect(try early.store.lead(stolen.description) != nil)
    #expect(try early.store.applyRevocations(trust))
    #expect(try early.store.lead(stolen.description) == nil && early.store.lead(honest.description) != nil)
    for (from, to) in [(late, early), (early, late)] {
      _ = try to.store.ingest(
        try from.store.changes(after: [:]).filter { $0.header.origin == from.id }, verifier: verifier,
        physicalMillis: Date().unixMillis)
    }
    #expect(try early.store.changeSetDigest() == late.store.changeSetDigest())
    #expect(try early.store.withheldChanges() == withheld)
    #expect(try early.store.projectionDigest() == late.store.projectionDigest())
    try late.store.rebuild()
    #expect(try late.store.withheldChanges() == withheld)
    #expect(try early.store.projectionDigest() == late.store.projectionDigest())

    // The authority vouches for the change by a cut-off (its manifest, signed by the CA): it
    // counts from then on, on arrival and in a rebuild alike.
    let cutOff = try federation.signedManifest(
      #"{"federation": "test", "version": 2, "cutoffs": [{"origin": "n0", "sequence": \#(stolenChange.header.sequence), "head": "\#(stolenChange.id.hex)"}]}"#
    )
    try witnessNode.record(
      [DomainOperation(objectID: witnessNode.newObjectID(), action: .publishManifest(cutOff))],
      audience: .all,
      officer: "authority")
    _ = try late.store.ingest(
      try witnessNode.store.changes(after: [:]).filter { $0.header.origin == witnessNode.id },
      verifier: verifier,
      physicalMillis: Date().unixMillis)
    #expect(try late.store.withheldChanges().isEmpty && late.store.lead(stolen.description) != nil)
    try late.store.rebuild()
    #expect(try late.store.withheldChanges().isEmpty && late.store.lead(stolen.description) != nil)
    #expect(try late.store.applyRevocations(trust) == false, "nothing new: no replay")
  }

  @Test(
    "a node that put the CRL in force before it knew the certificate, and held its changes back for a clock set behind, withholds them once its clock lets them in"
  )
  func revokedWhileHeldForTheClock() async throws {
    let federation = try TestFederation(label: "revoked-ahead", nodes: ["n0", "n1"])
    let victim = try SimulatedNode("n0", federation: federation)
    let lead = try victim.addLead(summary: "never witnessed")
    try await Task.sleep(for: .seconds(1.1))  // CRL times have one-second resolution
    try federation.revoke("n0")
    try federation.publishCRL()
    let trust = try federation.trust()
    // Then set a day behind: every change of n0 is stamped ahead of its clock.
    let late = try SimulatedNode("n1", federation: federation)
    late.clockMillis = Date().unixMillis - 86_400_000
    #expect(try late.store.applyRevocations(trust) == false, "it holds no certificate of n0 yet")
    late.verifier = ChangeVerifier(trust: trust)
    _ = try late.receive(try victim.store.changes(after: [:]))
    #expect(try late.store.withheldChanges().allSatisfy { $0.countsFrom != nil }, "held for the clock")
    // The clock is set right: the changes are decided again, by the revocation rule now.
    #expect(try late.store.releaseChangesDue(nowMillis: Date().unixMillis + 60_000) >= 0)
    let withheld = try late.store.withheldChanges()
    #expect(
      !withheld.isEmpty && withheld.allSatisfy { $0.countsFrom == nil && $0.reason.contains("revoked at") },
      "\(withheld)")
    #expect(try late.store.lead(lead.description) == nil)
  }
}

@Suite("A thief with a copied data folder and a clock set back", .serialized)
struct StolenKeyTests {
  @Test(
    "after the CA revokes jjj, a lead the thief stamps before the revocation reaches yrd through a peer without the new CRL, and is withheld there: not shown, listed by verify and status; jjj's earlier, witnessed lead still counts"
  )
  func backdatedTheft() async throws {
    let federation = try TestFederation(label: "stolen-key", nodes: ["jjj", "yrd", "prd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let prd = try await NodeProcess("prd", federation: federation)
    try await prd.serve(interval: 60)
    defer { _ = prd.stop() }
    for node in [jjj, yrd] { try await node.cli("peer", "add", "prd", "127.0.0.1:\(prd.port)") }
    let honest = try await jjj.addLead(summary: "recorded by jjj before the theft", to: "all")
    // prd holds it, and signs so as the session ends.
    #expect(try await jjj.cli("sync", "prd").status == 0)

    // The thief copies jjj's data folder, key included; then the CA revokes jjj's certificate.
    let copy = temporaryDirectory("stolen").appendingPathComponent("jjj")
    try FileManager.default.copyItem(at: jjj.data, to: copy)
    // The moment the thief will claim: after the CRL the copy holds was issued, and well before
    // the revocation (CRL times have one-second resolution).
    try await Task.sleep(for: .seconds(1.1))
    let backdate = Date()
    try await Task.sleep(for: .seconds(2.1))
    try federation.revoke("jjj")
    try federation.publishCRL()
    let installed = try await yrd.cli("crl", "install", federation.crlURL.path)
    #expect(installed.status == 0, "\(installed)")

    // With its clock set back to then, the thief signs a lead and passes it to prd, which has
    // not heard of the new CRL yet.
    let thief = NodeProcess(existing: "jjj", data: copy)
    thief.clockOffset = String(format: "-%.1fs", Date().timeIntervalSince(backdate))
    let stolen = try await thief.addLead(summary: "signed with the stolen key", to: "all")
    let passed = try await thief.cli("sync", "prd")
    #expect(passed.status == 0, "\(passed)")

    // yrd, with the CRL, gets both from prd, with prd's checkpoints.
    let synced = try await yrd.cli("sync", "prd")
    #expect(synced.status == 0, "held, not refused: \(synced)")
    #expect(try await yrd.cli("lead", "show", honest).stdout.contains("before the theft"))
    let shown = try await yrd.cli("lead", "show", stolen)
    #expect(
      shown.failed(with: "object.withheld") && shown.stderr.contains("jjj#3")
        && !shown.stdout.contains("stolen key"), "\(shown)")
    let verified = try await yrd.cli("verify", "--quick")
    #expect(
      verified.status == 0 && verified.stdout.contains("withheld jjj#3")
        && verified.stdout.contains("no other node's checkpoint"), "\(verified)")
    let status = try await JSONSerialization.jsonObject(
      with: Data(try yrd.cli("status", "--json").stdout.utf8))
    let withheld = try #require((status as? [String: Any])?["withheld"] as? [[String: Any]])
    #expect(withheld.map { $0["origin"] as? String } == ["jjj"], "\(withheld)")

    // yrd's sync also relayed the CRL its operator installed: prd's running node put it in force
    // as the session ended, which withholds the stolen lead there too.
    #expect(await eventually(10) { prd.log.contains("put in force") }, "\(prd.log.suffix(800))")
    _ = prd.stop()
    // Installed by hand as well, it says what it withholds; for a script, as a number.
    let prdInstall = try await prd.cli("crl", "install", federation.crlURL.path)
    #expect(prdInstall.status == 0 && prdInstall.stdout.contains("withholds 1 change(s)"), "\(prdInstall)")
    let again = try await JSONSerialization.jsonObject(
      with: Data(try prd.cli("crl", "install", federation.crlURL.path, "--json").stdout.utf8))
    #expect((again as? [String: Any])?["withheld"] as? Int == 1, "\(again)")
    #expect(try await prd.cli("lead", "show", stolen).status != 0)
    #expect(try await prd.cli("lead", "show", honest).status == 0)
    // Holding the same changes, checkpoints and CRL, the two nodes agree.
    let digests = try await [yrd, prd].asyncMap { node -> [String?] in
      let object = try JSONSerialization.jsonObject(
        with: Data(try await node.cli("status", "--json").stdout.utf8))
      return ["changeSetDigest", "projectionDigest"].map { (object as? [String: Any])?[$0] as? String }
    }
    #expect(digests[0].allSatisfy { $0 != nil } && digests[0] == digests[1], "\(digests)")
  }
}

@Suite("A rotation withheld with the certificate it replaced", .serialized)
struct WithheldRotationTests {
  @Test(
    "what a certificate announced in a withheld change signs is withheld too, and a rebuild decides the same when the announcement's row has moved to the log's end"
  )
  func rebuildAfterTheAnnouncementMoved() async throws {
    let federation = try TestFederation(label: "withheld-rotation", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let app = try NodeApp.open(jjj.data)
    let oldSerial = try federation.chain("jjj")[0].serialHex
    // A rotation that no other node witnesses before the CA revokes the old certificate.
    let files = try federation.issue("jjj")
    let rotation = try app.rotateCertificate(
      certificatePEM: Data(contentsOf: files.certificate), keyPEM: Data(contentsOf: files.key),
      by: Officer("ops"))
    let signedByNew = try app.addLead(
      NewLead(
        subject: SubjectRecord(kind: .enterprise, name: "某店"),
        fields: LeadFields(violations: [.noCCC], subjectIDs: [], summary: "signed with the new key"),
        audience: nil),
      by: Officer("zhang"))
    try await Task.sleep(for: .seconds(1.1))  // CRL times have one-second resolution
    try federation.pki(["revoke", federation.directory.path, "jjj", "--serial", oldSerial])
    try federation.publishCRL()
    #expect(try app.home.store.applyRevocations(federation.trust()))
    let withheld = try app.home.store.withheldChanges()
    // Everything the old key signed (no other node held it before the revocation), and the lead
    // the new one signed, since the change announcing it is withheld.
    let announcement = try #require(rotation.announcedIn)
    #expect(withheld.map(\.sequence) == [1, 2, 3], "\(withheld)")
    #expect(withheld[1].id == announcement && withheld[2].reason.contains("announced"), "\(withheld)")
    #expect(try app.home.store.lead(signedByNew.view.id) == nil)

    // The announcement's row moves to the log's end, as a body fetched again after damage does;
    // the rebuild still decides it before what its certificate signs.
    let database = jjj.data.appendingPathComponent("liandong.sqlite").path
    let moved = try await sqlite3(
      database,
      "UPDATE changes SET rowid = (SELECT max(rowid) + 1 FROM changes) WHERE hex(id) = upper('\(announcement)');"
    )
    #expect(moved.status == 0, "\(moved)")
    let last = try await sqlite3(database, "SELECT lower(hex(id)) FROM changes ORDER BY rowid DESC LIMIT 1;")
    #expect(last.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == announcement, "\(last)")
    // So does `crl install --dry-run`'s preview, and then the rebuild.
    let preview = try app.home.store.previewRevocations(federation.trust())
    #expect(preview.withheld.map(\.id).sorted() == withheld.map(\.id).sorted(), "\(preview)")
    try app.home.store.rebuild()
    #expect(try app.home.store.withheldChanges().map(\.id).sorted() == withheld.map(\.id).sorted())
    #expect(try app.home.store.lead(signedByNew.view.id) == nil)
  }
}
