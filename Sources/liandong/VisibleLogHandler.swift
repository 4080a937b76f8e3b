import LiandongCore
import Logging

/// serve's and sync's log lines on stderr, with every control, line-separator and bidi character
/// of the message and metadata escaped as the rest of the command line's output is
/// (`VisibleText`): a peer's text quoted in a refusal, or an officer's in a failed act, cannot
/// recolour the operator's terminal, forge a log line with a newline, or reorder one with a bidi
/// override, in `journalctl` or anywhere the log is read.
struct VisibleLogHandler: LogHandler {
  private var inner: StreamLogHandler

  static func standardError(label: String) -> VisibleLogHandler {
    VisibleLogHandler(inner: StreamLogHandler.standardError(label: label))
  }

  var logLevel: Logger.Level {
    get { inner.logLevel }
    set { inner.logLevel = newValue }
  }

  var metadata: Logger.Metadata {
    get { inner.metadata }
    set { inner.metadata = newValue }
  }

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { inner[metadataKey: key] }
    set { inner[metadataKey: key] = newValue }
  }

  func log(event: LogEvent) {
    var event = event
    event.message = "\(VisibleText.escaped(event.message.description))"
    event.metadata = event.metadata.map { $0.mapValues(Self.escaped) }
    if let error = event.error {
      event.metadata = (event.metadata ?? [:]).merging(
        ["error": .string(VisibleText.escaped(String(describing: error)))],
        uniquingKeysWith: { first, _ in first })
      event.error = nil
    }
    inner.log(event: event)
  }

  static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
    switch value {
    case .string(let text): .string(VisibleText.escaped(text))
    case .stringConvertible(let convertible): .string(VisibleText.escaped(convertible.description))
    case .array(let values): .array(values.map(escaped))
    case .dictionary(let values): .dictionary(values.mapValues(escaped))
    }
  }
}
