/// Every error Liandong raises has a stable code (for scripts, logs and tests) and a message for a
/// person that says what was wrong and what to do. The CLI prints `error[code]: message`.
public protocol CodedError: Error, CustomStringConvertible {
  var code: String { get }
}

extension CryptoError: CodedError {}
