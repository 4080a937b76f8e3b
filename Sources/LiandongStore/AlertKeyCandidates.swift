import Foundation
import LiandongCore

/// The leads a fold wrote that may name another origin's subject, whose subjects' keys
/// `AlertKeys` must then enter, and the subjects it wrote again. A lead whose every subject the
/// same fold wrote, from the lead's own origin, names none: every lead a bulk import or a sync
/// brings arrives so, with its subjects in its change, and is passed over without a lookup
/// (BENCHMARKS.md, B9, alerts). Others (a lead acted on later, or naming a subject written
/// elsewhere) are looked up as `enter` runs.
struct AlertKeyCandidates {
  private var subjects: [ObjectID: NodeID] = [:]
  private var leads: [(id: ObjectID, origin: NodeID, subjects: [ObjectID])] = []
  private var rewritten: [ObjectID] = []
  /// Subjects and leads held at most before they are entered: a rebuild folds every one.
  private static let held = 50_000
  /// Leads or subjects bound to one statement, as a JSON array of IDs.
  private static let perStatement = 2_000

  var isFull: Bool { subjects.count + leads.count >= Self.held }

  mutating func wrote(_ subject: SubjectProjection, replacing: Bool) {
    subjects[subject.id] = subject.origin
    if replacing { rewritten.append(subject.id) }
  }

  mutating func wrote(_ lead: LeadProjection) {
    leads.append((lead.id, lead.origin, lead.fields.subjectIDs))
  }

  /// Enters the keys the leads and subjects held call for; their rows must be written.
  mutating func enter(_ db: StoreConnection) throws {
    let engine = AlertKeys.Engine(db)
    let candidates = leads.filter { lead in lead.subjects.contains { subjects[$0] != lead.origin } }.map(\.id)
    for (ids, statements) in [
      (candidates, AlertKeys.foreignSubjectEntries(on: engine, leads: AlertKeys.leads(inJSON: engine))),
      (rewritten, AlertKeys.rewrittenSubjectEntries(on: engine)),
    ] where !ids.isEmpty {
      for start in stride(from: 0, to: ids.count, by: Self.perStatement) {
        let chunk = ids[start..<min(start + Self.perStatement, ids.count)].map(\.description)
        let json = try LeadSearch.json(chunk)
        for statement in statements { try db.run(statement, json) }
      }
    }
    self = AlertKeyCandidates()
  }
}
