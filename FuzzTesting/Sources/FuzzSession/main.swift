import Foundation
import FuzzSupport
import LiandongCore
import LiandongProtocol

/// SwiftPM calls an executable's entry point `FuzzSession_main`; libFuzzer takes over from there.
@_cdecl("FuzzSession_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzzSession)
}

/// The sync state machine, as the node `yrd` talking to the peer `vector-node`, which sends the
/// fuzzer's byte stream. A store that holds nothing answers every action the way the driver would,
/// and reports one blob missing so that blob frames reach the fetch states. Properties: no crash;
/// the session never loops; once the connection closes the session is over; a session that
/// failed says why in a Failure frame or a local error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let input = fuzzInput(start, count)
  let local = VectorNode.receiver
  let peer = try! NodeID("vector-node")
  var session = SyncSession(local: local, peer: peer, vector: [:], maximumBatchBytes: 4096)
  var pending = session.start()
  var decoder = FrameDecoder(maximumFrameBytes: 1 << 16)
  var steps = 0
  var ended = false

  func run(_ actions: [SyncSession.Action]) {
    var queue = actions
    while !queue.isEmpty {
      steps += 1
      fuzzCheck(steps < 100_000, "the session kept acting without new input")
      let action = queue.removeFirst()
      switch action {
      case .send(let frame): _ = FrameCoding.encode(frame)
      case .load: queue += session.loaded([])
      case .inspect: session.inspected([])
      case .store(let batch, let changes):
        queue += session.stored(batch: batch, stored: changes.count, duplicates: 0, refusals: [])
      case .loadBodies: session.loadedBodies([])
      case .listMissingBlobs: queue += session.missingBlobs([missingBlob])
      case .beginBlob(let need): queue += session.blobOpened(sha256: need.sha256, offset: need.offset)
      case .writeBlob(let sha256, _, _, let last):
        if last { queue += session.blobFinished(sha256: sha256, matched: true) }
      case .loadCheckpoints: queue += session.loadedCheckpoints([])
      case .suspendBlob, .serveBlob, .storeCheckpoints: break
      case .finish, .fail: ended = true
      }
    }
  }

  run(pending)
  pending = []
  var offset = input.startIndex
  while offset < input.endIndex, !session.isOver {
    let end = min(offset + 97, input.endIndex)
    do {
      for frame in try decoder.feed(input[offset..<end]) { run(session.receive(frame)) }
    } catch {
      run(session.abort(error))
    }
    offset = end
  }
  run(session.connectionClosed())
  fuzzCheck(session.isOver, "the connection closed but the session goes on")
  fuzzCheck(ended, "the session ended without finishing or failing")
  return 0
}

/// The blob the empty store lacks: the fuzzer may offer chunks of it.
private let missingBlob = BlobNeed(sha256: Data(repeating: 0xAB, count: 32), size: 1000)
