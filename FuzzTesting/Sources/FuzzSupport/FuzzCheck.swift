import CFuzzDriver
import Foundation

/// A property the target found broken. libFuzzer turns the trap into a crash report and saves the
/// input; the message says which property, so a `FailCases/` file explains itself when replayed.
public func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
  if !condition {
    FileHandle.standardError.write(Data("fuzz property broken: \(message())\n".utf8))
    fatalError(message())
  }
}

/// The input as `Data`, copied once: libFuzzer's buffer is only valid during the call.
public func fuzzInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Data {
  guard let start, count > 0 else { return Data() }
  return Data(bytes: start, count: count)
}

/// Runs libFuzzer with `callback` as the target, passing on the command line (corpus folders,
/// files to replay, `-max_total_time=` and the rest of libFuzzer's flags).
public func runFuzzer(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
  var count = argc
  var arguments = argv
  return LLVMFuzzerRunDriver(&count, &arguments, callback)
}
