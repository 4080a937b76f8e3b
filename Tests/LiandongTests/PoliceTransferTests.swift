import Foundation
import LiandongCore
import LiandongStore
import Testing

/// Transfer to police (行刑衔接): the steps, who records them, and the 3-day and 24-hour limits.
@Suite("Transfer to police")
struct PoliceTransferTests {
  func act(_ node: SimulatedNode, _ act: PoliceAct, on id: ObjectID) throws {
    try node.record([DomainOperation(objectID: id, action: .policeTransfer(act))], audience: .all)
  }

  @Test("reported, approved, transferred, declined, reconsidered, accepted, closed; wrong steps refused")
  func steps() throws {
    let (yrd, jjj) = (try SimulatedNode("n1"), try SimulatedNode("n0"))
    let id = ObjectID()
    let package = PolicePackage(letter: ObjectID(), investigationReport: ObjectID(), itemsList: ObjectID())
    try act(
      yrd,
      .create(caseID: ObjectID(), police: "浦东分局", reportedOn: try CivilDate("2026-03-02"), package: package),
      on: id)
    try act(yrd, .transfer(receipt: "too early"), on: id)
    try act(yrd, .approve, on: id)
    try act(yrd, .transfer(receipt: ""), on: id)
    try act(yrd, .transfer(receipt: "receipt 2026-118"), on: id)
    try act(yrd, .policeDeclined(note: "amount below the threshold"), on: id)
    try act(yrd, .reconsider(note: "the sales records show more"), on: id)
    try act(yrd, .policeAccepted(note: "filed"), on: id)
    try exchange(yrd, jjj)
    try act(jjj, .close, on: id)  // another bureau cannot record its steps
    try act(yrd, .close, on: id)
    try exchange(yrd, jjj)
    let view = try #require(try jjj.store.policeTransfer(id.description))
    #expect(
      view.state == .closed && view.police == "浦东分局" && view.transferred != nil && view.approved != nil)
    #expect(
      try jjj.store.refusals().map(\.code).sorted() == ["op.invalid", "op.not-owner", "op.wrong-state"])
  }

  @Test("3 days, a last day off work moving to the next working day; 24 hours after approval")
  func deadlines() throws {
    // Reported Monday 29 September 2025: 3 days end on 2 October, a holiday, so 9 October.
    let holiday = try Deadlines.policeDays(
      from: try CivilDate("2025-09-29"), runsFrom: "reported", calendar: .builtIn,
      today: try CivilDate("2025-10-09"))
    let october9 = try CivilDate("2025-10-09")
    #expect(holiday.deadline == october9 && holiday.urgency == .dueSoon)
    let plain = try Deadlines.policeDays(
      from: try CivilDate("2025-10-13"), runsFrom: "reported", calendar: .builtIn,
      today: try CivilDate("2025-10-17"))
    let october16 = try CivilDate("2025-10-16")
    #expect(plain.deadline == october16 && plain.urgency == .overdue)
    let approved: UInt64 = 1_790_000_000_000
    let soon = Deadlines.policeTransfer(approvedMillis: approved, nowMillis: approved + 20 * 3_600_000)
    #expect(soon.hoursLeft == 4 && soon.urgency == .dueSoon && soon.deadlineMillis == approved + 86_400_000)
    #expect(
      Deadlines.policeTransfer(approvedMillis: approved, nowMillis: approved + 25 * 3_600_000).urgency
        == .overdue)
  }

  @Test("the command line checks the package's documents and shows each limit in due")
  func commandLine() async throws {
    let federation = try TestFederation(label: "police", nodes: ["yrd"])
    let yrd = try await NodeProcess("yrd", federation: federation)
    let lead = try await yrd.addLead(subject: "x")
    let folder = temporaryDirectory("police")
    var documents: [String] = []
    for name in ["letter.pdf", "report.pdf", "items.pdf"] {
      try Data(name.utf8).write(to: folder.appendingPathComponent(name))
      let added = try await yrd.cli(
        "evidence", "add", lead, folder.appendingPathComponent(name).path, "--category", "documentary",
        "--to", "yrd")
      documents.append(added.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    let missing = try await yrd.cli(
      "police", "create", lead, "--police", "浦东分局", "--letter", documents[0], "--report", documents[1],
      "--items",
      lead)
    #expect(missing.failed(with: "police.no-document"), "\(missing)")
    let created = try await yrd.cli(
      "police", "create", lead, "--police", "浦东分局", "--letter", documents[0], "--report", documents[1],
      "--items",
      documents[2], "--reported-on", "2026-03-02")
    #expect(created.status == 0, "\(created)")
    let id = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    let due = try await yrd.cli("due", "--today", "2026-03-04")
    #expect(due.stdout.contains("2026-03-05") && due.stdout.contains("approve or refuse"), "\(due)")
    let bad = try await yrd.cli("police", "record", id, "arrest")
    #expect(bad.failed(with: "usage.police-step"))
    let early = try await yrd.cli("police", "record", id, "transfer", "--note", "r")
    #expect(early.failed(with: "op.wrong-state"), "\(early)")
    #expect(try await yrd.cli("police", "record", id, "approve").stdout.contains("approved"))
    let hours = try await yrd.cli("due")
    #expect(hours.stdout.contains("within 24 hours") && hours.stdout.contains("h "), "\(hours)")
    #expect(try await yrd.cli("police", "list").stdout.contains("浦东分局"))
  }
}
