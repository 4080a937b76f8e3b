import Foundation
import LiandongApp
import LiandongCore
import LiandongStore

/// Leads in the spec's generated types, built field by field rather than through `Transcode`
/// (our JSON, parsed into the generated types, written again): a page of leads is the API's
/// busiest answer, and those two extra passes over its JSON were most of its cost.
/// `LeadShapeTests` holds the result to the `--json` encoding, field for field.
extension Components.Schemas.LeadPage {
  init(_ page: LeadPage) throws {
    self.init(items: try page.items.map(Components.Schemas.Lead.init), nextCursor: page.nextCursor)
  }
}

extension Components.Schemas.Lead {
  init(_ lead: LeadView) throws {
    self.init(
      id: lead.id, origin: lead.origin, owner: lead.owner, state: try spec(lead.state),
      source: try spec(lead.source), violations: try lead.violations.map { try spec($0) },
      subjects: try lead.subjects.map(Components.Schemas.Subject.init), productCategory: lead.productCategory,
      summary: lead.summary, risk: try spec(lead.risk), sourceReliability: try spec(lead.sourceReliability),
      informationReliability: lead.informationReliability, reporterRealName: lead.reporterRealName,
      createdBy: lead.createdBy, created: lead.created, updated: lead.updated, audience: lead.audience,
      handOff: try lead.handOff.map(Components.Schemas.HandOff.init),
      receivedByHandOff: lead.receivedByHandOff,
      handling: try lead.handling.map(Components.Schemas.Handling.init), mergedInto: lead.mergedInto,
      withdrawalNote: lead.withdrawalNote,
      dispute: lead.dispute.map {
        Components.Schemas.Dispute(
          owner: $0.owner, claimant: $0.claimant, reason: $0.reason, since: $0.since.description)
      },
      handOffHead: lead.handOffHead)
  }
}

extension Components.Schemas.Subject {
  init(_ subject: SubjectView) throws {
    self.init(
      id: subject.id, origin: subject.origin, kind: try spec(subject.kind), name: subject.name,
      uscc: subject.uscc, registeredDivision: subject.registeredDivision,
      businessDivision: subject.businessDivision, platform: subject.platform, shopID: subject.shopID,
      url: subject.url, audience: subject.audience)
  }
}

extension Components.Schemas.Handling {
  init(_ handling: HandlingView) throws {
    self.init(
      bureau: handling.bureau, state: try spec(handling.state),
      acknowledgedOn: handling.acknowledgedOn?.description, extended: handling.extended,
      outcome: try handling.outcome.map { try spec($0) }, caseReference: handling.caseReference,
      note: handling.note, updatedOn: handling.updatedOn.description)
  }
}

extension Components.Schemas.HandOff {
  init(_ handOff: HandOffView) throws {
    self.init(
      from: handOff.from, to: handOff.to, state: try spec(handOff.state), letter: handOff.letter,
      evidence: handOff.evidence, reason: handOff.reason, offeredOn: handOff.offeredOn.description,
      decidedOn: handOff.decidedOn?.description, designatedBy: handOff.designatedBy)
  }
}

/// A domain value as the spec's enumeration of the same canonical names; a name the spec lacks
/// is a defect of the spec, said as such rather than answered in a shape it does not describe.
private func spec<Spec: RawRepresentable, Value: RawRepresentable>(_ value: Value) throws -> Spec
where Spec.RawValue == String, Value.RawValue == String {
  guard let shown = Spec(rawValue: value.rawValue) else {
    throw Failure(
      code: "internal.unexpected",
      message: "the API's spec has no \(Spec.self) \"\(value.rawValue)\"; Protocol/openapi.yaml must list it")
  }
  return shown
}
