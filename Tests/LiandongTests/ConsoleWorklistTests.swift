import Foundation
import Testing

/// The worklist ("what needs me") through curl, as a browser reads it.
@Suite("The console's worklist")
struct ConsoleWorklistTests {
  @Test(
    "yrd's worklist holds a lead to acknowledge, a case offered to it and a conflict to resolve; a search keeps only what mentions the text"
  )
  func worklist() async throws {
    let federation = try TestFederation(label: "console-worklist", nodes: ["jjj", "yrd"])
    let jjj = try await NodeProcess("jjj", federation: federation)
    let yrd = try await NodeProcess("yrd", federation: federation)
    try await jjj.introduce(to: yrd)
    let toAcknowledge = try await jjj.addLead(subject: "速通检测工作室", to: "yrd")
    let offered = try await jjj.addLead(subject: "雄安代办网店", to: "yrd")
    let handedOff = try await jjj.cli(
      "handoff", "offer", offered, "--to", "yrd", "--letter", "该店实际经营地在雄安，依法移送管辖")
    #expect(handedOff.status == 0, "\(handedOff)")
    let request = try await jjj.crossingRequest(to: yrd)
    try await jjj.carry(to: yrd)
    try await yrd.accounts([("wang.fang", "supervisor", "雨后春笋 spring rain")])
    let base = try await yrd.serveAPI()
    defer { _ = yrd.stop() }
    let visit = try ConsoleVisit.loggedIn(base, "wang.fang", "雨后春笋 spring rain")

    let all = try visit.get("/console/")
    #expect(all.status == 200, "\(all)")
    /// The table with `id`, up to its end.
    func section(_ id: String, in page: String) -> String {
      guard let start = page.range(of: #"id="\#(id)""#) else { return "" }
      return page[start.upperBound...].components(separatedBy: "</table>").first ?? ""
    }
    #expect(section("to-acknowledge", in: all.body).contains(toAcknowledge), "\(all.body.suffix(4000))")
    let offeredRows = section("handoffs-offered", in: all.body)
    #expect(offeredRows.contains(offered) && offeredRows.contains("依法移送管辖"), "\(all.body.suffix(4000))")
    #expect(section("conflicts", in: all.body).contains(request), "\(all.body.suffix(4000))")

    let found = try visit.get(
      "/console/?q=" + "雄安".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
    #expect(found.body.contains(#"value="雄安""#), "the search box keeps the text")
    #expect(section("handoffs-offered", in: found.body).contains(offered), "\(found.body.suffix(4000))")
    #expect(
      !found.body.contains(toAcknowledge) && !found.body.contains(#"id="conflicts""#),
      "\(found.body.suffix(4000))")

    let nothing = try visit.get("/console/?q=nothing-like-this")
    #expect(nothing.body.contains("没有待签收的线索") && !nothing.body.contains(#"id="handoffs-offered""#))
    let tooLong = try visit.get("/console/?q=" + String(repeating: "a", count: 300))
    #expect(tooLong.isProblemPage(400, "input.too-long"), "\(tooLong)")
  }
}
