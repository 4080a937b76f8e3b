import Foundation
import LiandongCore
import Testing

@Suite("Assistance requests and deadlines through the command line", .serialized)
struct RequestCLITests {
  /// A calendar of plain weekdays around today, so the test does not depend on the year it runs.
  func weekdayCalendar() throws -> URL {
    let year = CivilDate(chinaDayOf: Date().unixMillis).year
    let years = (year - 1...year + 1).map { "\"\($0)\": {\"holidays\": [], \"makeup_workdays\": []}" }
    let file = temporaryDirectory("calendar").appendingPathComponent("weekdays.json")
    try Data("{\"years\": {\(years.joined(separator: ", "))}}".utf8).write(to: file)
    return file
  }

  func json(_ result: ProcessResult) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
  }

  @Test(
    "send, acknowledge, accept, extend, complete, close; due on both sides; wrong party and bad input refused"
  )
  func lifecycle() async throws {
    let federation = try TestFederation(label: "requests", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let sent = try await jjj.cli(
      "request", "send", "--to", "yrd", "--case", "京市监案〔2026〕17号", "--legal-basis", "Art. 45", "--task",
      "verify-registration,obtain-records", "--details", "shop 88231", "--json")
    #expect(sent.status == 0, "\(sent)")
    let id = try #require(try json(sent)["id"] as? String)

    // Bad input: an unknown task, no task, a request to oneself.
    let badTask = try await jjj.cli(
      "request", "send", "--to", "yrd", "--case", "c", "--legal-basis", "b", "--task", "arrest")
    #expect(
      badTask.failed(with: "input.value") && badTask.stderr.contains("verify-registration"), "\(badTask)")
    let noTask = try await jjj.cli("request", "send", "--to", "yrd", "--case", "c", "--legal-basis", "b")
    #expect(noTask.failed(with: "input.missing") && noTask.stderr.contains("--task"))
    let toSelf = try await jjj.cli(
      "request", "send", "--to", "jjj", "--case", "c", "--legal-basis", "b", "--task", "interview")
    #expect(toSelf.failed(with: "usage.request-self"))

    try await jjj.carry(to: yrd)
    // The requester may not act on the requested bureau's side.
    let wrong = try await jjj.cli("request", "acknowledge", id)
    #expect(
      wrong.failed(with: "request.wrong-party") && wrong.stderr.contains("only the requested bureau yrd"),
      "\(wrong)")
    #expect(try await yrd.cli("request", "acknowledge", id).stdout.contains("acknowledged"))
    #expect(try await yrd.cli("request", "accept", id).stdout.contains("in-progress"))

    // Both sides see the same deadline: 15 working days from today's acknowledgement.
    let calendar = try weekdayCalendar()
    let today = CivilDate(chinaDayOf: Date().unixMillis)
    let expected = try WorkdayCalendar(json: Data(contentsOf: calendar)).deadline(
      after: today, workingDays: 15)
    try await yrd.carry(to: jjj)
    for node in [jjj, yrd] {
      let due = try await node.cli("due", "--calendar", calendar.path, "--json")
      #expect(
        due.status == 0 && due.stdout.contains("\"deadline\" : \"\(expected)\""), "\(node.name): \(due)")
      #expect(due.stdout.contains("\"workingDaysLeft\" : 15") && due.stdout.contains("\"urgency\" : \"ok\""))
    }
    // As of the deadline's eve it is due soon; after it, overdue, in working days.
    let soon = try await jjj.cli(
      "due", "--calendar", calendar.path, "--today", expected.adding(days: -1).description)
    #expect(soon.stdout.contains("due-soon") && soon.stdout.contains("requester"), "\(soon)")
    let late = try await yrd.cli(
      "due", "--calendar", calendar.path, "--today", expected.adding(days: 8).description)
    #expect(late.stdout.contains("overdue") && late.stdout.contains("requested"), "\(late)")
    let within = try await yrd.cli("due", "--calendar", calendar.path, "--within", "3")
    #expect(within.stdout.contains("nothing due within 3 working days"), "\(within)")
    // The built-in calendar does not cover a year it has no notice for.
    let uncovered = try await yrd.cli("due", "--today", "2031-01-05")
    #expect(uncovered.stdout.contains("calendar") || uncovered.stdout.contains("unknown"), "\(uncovered)")

    // An extension must be notified before the deadline: after it, nothing is signed.
    let tooLate = try await yrd.cli(
      "request", "extend", id, "--working-days", "5", "--reason", "late", "--calendar", calendar.path,
      "--today",
      expected.adding(days: 1).description)
    #expect(tooLate.failed(with: "op.deadline-passed"), "\(tooLate)")
    let extended = try await yrd.cli(
      "request", "extend", id, "--working-days", "5", "--reason", "the platform answers slowly", "--calendar",
      calendar.path)
    #expect(extended.status == 0, "\(extended)")
    let twice = try await yrd.cli(
      "request", "extend", id, "--working-days", "5", "--reason", "again", "--calendar", calendar.path)
    #expect(twice.failed(with: "op.extended-already") && twice.stderr.contains("only once"), "\(twice)")
    #expect(try await yrd.cli("request", "complete", id, "--findings", "registered in Pudong").status == 0)
    try await yrd.carry(to: jjj)
    #expect(try await jjj.cli("request", "close", id).stdout.contains("closed"))
    try await jjj.carry(to: yrd)
    let shown = try await yrd.cli("request", "show", id)
    #expect(shown.stdout.contains("closed") && shown.stdout.contains("registered in Pudong"))
    #expect(shown.stdout.contains("5 working days: the platform answers slowly"))
    #expect(try await yrd.cli("due", "--calendar", calendar.path).stdout.contains("nothing due"))
  }

  @Test(
    "a cancel crossing a completion shows in conflicts on both sides; history shows every act; resolve settles it"
  )
  func conflictThroughTheCLI() async throws {
    let federation = try TestFederation(label: "conflict", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let id = try await jjj.cli(
      "request", "send", "--to", "yrd", "--case", "c-9", "--legal-basis", "Art. 45", "--task", "interview"
    ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    try await jjj.carry(to: yrd)
    #expect(try await yrd.cli("request", "accept", id).status == 0)
    try await yrd.carry(to: jjj)
    // Both act before hearing of the other.
    #expect(try await jjj.cli("request", "cancel", id, "--reason", "shop closed").status == 0)
    #expect(
      try await yrd.cli("request", "complete", id, "--findings", "interviewed the operator").status == 0)
    try await jjj.carry(to: yrd)
    try await yrd.carry(to: jjj)
    for node in [jjj, yrd] {
      let conflicts = try await node.cli("conflicts")
      #expect(
        conflicts.stdout.contains("request \(id)") && conflicts.stdout.contains("cancel@"), "\(conflicts)")
      #expect(conflicts.stdout.contains("complete@") && conflicts.stdout.contains("request resolve"))
    }
    let changesBefore = try await jjj.cli("log").stdout
    let blocked = try await jjj.cli("request", "close", id)
    #expect(blocked.failed(with: "op.in-conflict"), "\(blocked)")
    #expect(blocked.stderr.contains("nothing was recorded"), "\(blocked)")
    #expect(try await jjj.cli("log").stdout == changesBefore, "the refused close signed nothing")
    try await jjj.carry(to: yrd)
    let history = try await yrd.cli("history", id)
    #expect(
      history.stdout.contains("cancel: shop closed")
        && history.stdout.contains("complete: interviewed the operator"))
    #expect(history.stdout.contains("REFUSED") == false, "nothing refused reached yrd: \(history)")

    let listed = try await jjj.cli("conflicts", "--json").stdout
    let acts = try #require(
      (try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [[String: Any]])?.first?["acts"]
        as? String)
    let completion = try #require(
      acts.split(separator: ";").first { $0.contains("complete@") }?.split(separator: "@")[1].split(
        separator: " ")[0])
    let resolved = try await yrd.cli("request", "resolve", id, "--keep", String(completion))
    #expect(resolved.status == 0 && resolved.stdout.contains("completed"), "\(resolved)")
    try await yrd.carry(to: jjj)
    #expect(try await jjj.cli("conflicts").stdout.contains("no conflicts"))
    #expect(try await jjj.cli("request", "show", id).stdout.contains("interviewed the operator"))
    let unknown = try await jjj.cli("history", "3f2b8c1e-0000-4000-8000-000000000000")
    #expect(unknown.failed(with: "object.not-found"))
  }
}
