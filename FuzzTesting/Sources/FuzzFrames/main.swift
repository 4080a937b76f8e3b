import Foundation
import FuzzSupport
import LiandongProtocol

/// SwiftPM calls an executable's entry point `FuzzFrames_main`; libFuzzer takes over from there.
@_cdecl("FuzzFrames_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  runFuzzer(argc, argv, fuzzFrames)
}

/// The frame decoder: the first bytes a peer controls after the handshake. The input is the byte
/// stream; its first byte sets the size of the pieces it arrives in, as TCP may split it anywhere.
/// Properties: no crash; frames and errors arrive the same however the stream is cut; every decoded frame
/// re-encodes to bytes that decode to the same frame; the decoder never holds more than a frame.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let input = fuzzInput(start, count)
  guard let first = input.first else { return 0 }
  let stream = input.dropFirst()
  let maximum = 1 << 16
  let piece = Int(first % 64) + 1

  let whole = decodeAll(stream, pieceSize: stream.count, maximum: maximum)
  let pieces = decodeAll(stream, pieceSize: piece, maximum: maximum)
  fuzzCheck((whole.error == nil) == (pieces.error == nil), "an error depends on how the stream was cut")
  // A bad frame fails the whole `feed` call, so good frames in the same call before it are not
  // delivered (the session fails either way, and nothing of theirs was acknowledged).
  if whole.error == nil {
    fuzzCheck(whole.frames == pieces.frames, "frames differ when the stream arrives in \(piece)-byte pieces")
  } else {
    fuzzCheck(pieces.frames.starts(with: whole.frames), "frames differ before the stream's bad frame")
  }
  fuzzCheck(pieces.largestPending <= 4 + maximum, "the decoder held \(pieces.largestPending) bytes")

  for frame in whole.frames {
    let bytes = FrameCoding.encode(frame)
    var decoder = FrameDecoder(maximumFrameBytes: maximum)
    let again = try? decoder.feed(bytes)
    fuzzCheck(again == [frame], "a decoded \(frame) did not survive encode and decode")
  }
  return 0
}

private func decodeAll(_ stream: Data, pieceSize: Int, maximum: Int)
  -> (frames: [SyncFrame], error: ProtocolError?, largestPending: Int)
{
  var decoder = FrameDecoder(maximumFrameBytes: maximum)
  var frames: [SyncFrame] = []
  var largestPending = 0
  var offset = stream.startIndex
  while offset < stream.endIndex {
    let end = min(offset + max(pieceSize, 1), stream.endIndex)
    do {
      frames += try decoder.feed(stream[offset..<end])
    } catch {
      return (frames, error, largestPending)
    }
    largestPending = max(largestPending, decoder.pendingBytes)
    offset = end
  }
  return (frames, nil, largestPending)
}
