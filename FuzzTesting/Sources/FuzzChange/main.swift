import Foundation
import FuzzSupport
import LiandongCore
import LiandongCrypto

/// SwiftPM calls an executable's entry point `FuzzChange_main`; libFuzzer takes over from there.
@_cdecl("FuzzChange_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzzChange)
}

/// Change decoding and verification: what a node does with each change of a peer's batch. The input
/// is one wire `SignedChange` (the corpus holds the signed test vectors). The verifier sees a store
/// that holds everything up to the change, so mutations reach the signature, body, manifest and
/// announcement checks. Properties: no crash; a decoded change re-encodes to an equal change; a
/// change the verifier would store has a body that matches its header and decodes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChange(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let input = fuzzInput(start, count)
  guard let change = try? WireCoding.decode(input) else { return 0 }
  let again = try? WireCoding.decode(WireCoding.encode(change))
  fuzzCheck(again == change, "change \(change.id) did not survive encode and decode")
  _ = change.decodedBody()

  let header = change.header
  let verifier = ChangeVerifier(trust: VectorNode.trust)
  let previousTime = HLCTimestamp(wallMillis: header.time.wallMillis &- 1)
  var context = IngestContext(
    receiver: VectorNode.receiver, held: nil,
    predecessor: header.previous.map { HeldChange(id: $0, time: previousTime, hasBody: true) },
    heldThrough: header.sequence &- 1,
    signers: [VectorNode.certificate.fingerprint: [VectorNode.certificate]],
    quarantined: false, physicalMillis: header.time.wallMillis)
  switch verifier.decide(change, context) {
  case .store(let stored, _, _):
    fuzzCheck((try? stored.checkBody()) != nil, "a stored change's body does not match its header")
    fuzzCheck(stored.isStub || stored.decodedBody() != nil, "a stored change's body does not decode")
  case .fillBody, .duplicate, .fork:
    fuzzCheck(false, "nothing is held, yet the verifier treated \(change.id) as known")
  case .refuse:
    break
  }

  // The same change where another one already holds its slot: a fork, if signed, never stored.
  context.held = HeldChange(id: ChangeID(hashing: Data("another".utf8)), time: previousTime, hasBody: true)
  switch verifier.decide(change, context) {
  case .fork(_, let other): fuzzCheck(other.isStub, "fork proof kept a body")
  case .refuse: break
  default: fuzzCheck(false, "a change for an occupied slot was not treated as a fork")
  }
  return 0
}
