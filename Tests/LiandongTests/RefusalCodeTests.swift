import Foundation
import LiandongCore
import LiandongStore
import Testing

/// The codes the reducers give refused operations, as `history`, `verify` and a refused act on
/// the command line show them: an act on an object this node never saw, a second creation, a
/// resolution with nothing to resolve.
@Suite("Refused operations carry their codes")
struct RefusalCodeTests {
  /// Records `action` on `object` and returns the code of its refusal, if any.
  func refusalCode(_ node: SimulatedNode, _ object: ObjectID, _ action: DomainOperation.Action) throws
    -> String?
  {
    let change = try node.record([DomainOperation(objectID: object, action: action)], audience: .all)
    return try node.store.refusals(of: [change.id]).first?.code
  }

  @Test("acts on objects that do not exist, a second creation, a resolution with nothing to resolve")
  func codes() throws {
    let node = try SimulatedNode("n0")
    let unknown = node.newObjectID()
    #expect(try refusalCode(node, unknown, .leadAct(.acknowledge)) == "op.no-such-lead")
    #expect(try refusalCode(node, unknown, .actOnRequest(.acknowledge, basis: nil)) == "op.no-such-request")
    #expect(
      try refusalCode(node, unknown, .recordCustody(CustodyRecord(event: .sealed))) == "op.no-such-evidence")
    #expect(try refusalCode(node, unknown, .policeTransfer(.approve)) == "op.no-such-transfer")

    let subject = node.newObjectID()
    let record = SubjectRecord(kind: .shop, name: "某店")
    #expect(try refusalCode(node, subject, .createSubject(record)) == nil)
    #expect(try refusalCode(node, subject, .createSubject(record)) == "op.exists")

    let peer = try SimulatedNode("n1")
    let request = try node.sendRequest(to: peer.id)
    let change = try node.record(
      [
        DomainOperation(
          objectID: request,
          action: .actOnRequest(
            .resolve(keep: OperationRef(change: ChangeID(bytes: Data(count: 32))!, index: 0)), basis: nil))
      ],
      audience: .all)
    #expect(try node.store.refusals(of: [change.id]).first?.code == "op.no-conflict")
  }

  @Test("a change out of order, or from an origin quarantined after a fork, is refused with its code")
  func changeCodes() throws {
    let origin = try SimulatedNode("n2")
    try origin.addLead()
    try origin.addLead()
    let changes = try origin.store.changes(after: [:])
    let receiver = try SimulatedNode("n3")
    #expect(try receiver.receive([changes[0]]) == [.stored])
    #expect(refusal(try receiver.receive([changes[2]]))?.code == "change.gap")
    #expect(try receiver.receive([changes[1], changes[2]]) == [.stored, .stored])
    _ = try receiver.receive([try origin.forkedTwin(after: changes[1])])
    try origin.addLead()
    let later = try origin.store.changes(after: [origin.id: 3])
    #expect(refusal(try receiver.receive(later))?.code == "change.origin-quarantined")
  }
}
