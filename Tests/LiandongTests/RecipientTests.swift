import Foundation
import Testing

/// Acts name only bureaus the node knows, and an act the rules refuse fails and signs nothing.
@Suite("Recipients and refused acts")
struct RecipientTests {
  @Test(
    "an unknown or mistyped recipient, or 'all' where one bureau is meant, is refused and nothing is signed")
  func recipientsAreChecked() async throws {
    let federation = try TestFederation(label: "recipients", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    let lead = try await jjj.addLead()
    let before = try await jjj.cli("log").stdout

    // Before jjj has heard from yrd, yrd is as unknown as a typo.
    let stranger = try await jjj.cli(
      "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", "s", "--to", "yrd")
    #expect(stranger.failed(with: "recipient.unknown") && stranger.stderr.contains("peer"), "\(stranger)")
    try await jjj.introduce(to: yrd)
    let before2 = try await jjj.cli("log").stdout
    #expect(before2 != before, "yrd's announcement arrived")

    let typo = try await jjj.cli(
      "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", "s", "--to", "yrb")
    #expect(typo.failed(with: "recipient.unknown"), "\(typo)")
    #expect(typo.stderr.contains("did you mean 'yrd'?") && typo.stderr.contains("known: yrd"), "\(typo)")
    let group = try await jjj.cli(
      "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", "s", "--to",
      "yrd,zzz")
    #expect(group.failed(with: "recipient.unknown") && group.stderr.contains("'zzz'"), "\(group)")
    let request = try await jjj.cli(
      "request", "send", "--to", "nosuch", "--case", "c-1", "--legal-basis", "Art. 45", "--task", "interview")
    #expect(request.failed(with: "recipient.unknown"), "\(request)")
    let toAll = try await jjj.cli(
      "request", "send", "--to", "all", "--case", "c-1", "--legal-basis", "Art. 45", "--task", "interview")
    #expect(toAll.failed(with: "recipient.not-one") && toAll.stderr.contains("one bureau"), "\(toAll)")
    let handOff = try await jjj.cli("handoff", "offer", lead, "--to", "nosuch", "--letter", "移送函 1")
    #expect(handOff.failed(with: "recipient.unknown"), "\(handOff)")
    #expect(try await jjj.cli("log").stdout == before2, "nothing was signed")

    // A known node is accepted, by ID or as a peer.
    #expect(
      try await jjj.cli(
        "request", "send", "--to", "yrd", "--case", "c-1", "--legal-basis", "Art. 45", "--task", "interview"
      ).status == 0)
    try await jjj.cli("peer", "add", "prd", "prd.example.org:7420")
    #expect(
      try await jjj.cli(
        "lead", "add", "--subject-name", "店", "--violation", "forged-report", "--summary", "s", "--to",
        "prd,yrd"
      ).status == 0)
  }

  @Test("an edit the rules refuse fails with the rule's code and message, and nothing is signed or synced")
  func refusedEditFails() async throws {
    let federation = try TestFederation(label: "refused-edit", nodes: ["jjj"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let lead = try await jjj.addLead()
    let before = try await jjj.cli("log").stdout
    let emptied = try await jjj.cli("lead", "edit", lead, "--summary", "")
    #expect(emptied.failed(with: "op.invalid"), "\(emptied)")
    #expect(emptied.stderr.contains("summary is required") && emptied.stderr.contains("nothing was recorded"))
    #expect(!emptied.stdout.contains("updated"), "\(emptied)")
    #expect(try await jjj.cli("log").stdout == before)
    #expect(try await !jjj.cli("history", lead).stdout.contains("REFUSED"))
  }
}
