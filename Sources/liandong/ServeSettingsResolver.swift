import Foundation
import LiandongAPI
import LiandongApp
import LiandongCore
import LiandongCrypto
import LiandongErrors
import LiandongNode
import LiandongStore
import LiandongTLS
import Logging

/// The settings `serve` runs with: each from the command line, else `node.json`, else the
/// default, with where it came from (for `--check-config`).
struct ResolvedServeSettings {
  var host: String
  var port: Int
  var interval: Double
  var allowList: Set<NodeID>?
  var batchBytes: Int
  var logLevel: Logger.Level
  /// Where and how the HTTP API listens, if it is served.
  var api: APIListenerSettings?
  /// Bytes per second the evidence scrub reads; 0 when it is off.
  var scrubBytesPerSecond: Int
  /// setting -> (value as written, source)
  var explained: [(String, String, String)]
}

/// The API's listener: HTTPS with the node's certificate unless another is given, or plain HTTP
/// on loopback when asked for.
struct APIListenerSettings {
  var host: String
  var port: Int
  var plainHTTP: Bool
  /// PEM files of the certificate chain and key; nil for the node's own.
  var certificate: String?
  var key: String?

  var scheme: String { plainHTTP ? "http" : "https" }
}

struct ServeSettingsResolver {
  let file: ServeSettings?
  let listen: String?
  let interval: Double?
  let allow: String?
  let batch: BatchOption
  let logLevel: String?
  let api: String?
  var apiCertificate: String? = nil
  var apiKey: String? = nil
  var apiPlainHTTP = false
  var scrubRate: Double? = nil

  /// HOST:PORT to listen on; port 0 asks the system for a free one.
  static func bindAddress(_ text: String, _ what: String, source: String) throws -> (host: String, port: Int)
  {
    do {
      let parsed = try PeerAddress.parse(text.hasSuffix(":0") ? text.dropLast() + "1" : text)
      return (parsed.0, text.hasSuffix(":0") ? 0 : parsed.1)
    } catch {
      throw UsageError(
        code: "config.listen", message: "\(what) '\(text)' (\(source)): \(Failure(error).message)")
    }
  }

  func resolve() throws -> ResolvedServeSettings {
    let defaults = ServeSettings.defaults
    func pick<T>(_ option: T?, _ fromFile: T?, _ fallback: T) -> (T, String) {
      if let option { return (option, "command line") }
      if let fromFile { return (fromFile, "node.json") }
      return (fallback, "default")
    }
    let (address, addressSource) = pick(listen, file?.listen, defaults.listen!)
    let (seconds, secondsSource) = pick(interval, file?.intervalSeconds, defaults.intervalSeconds!)
    let allowText = allow ?? file?.allow?.joined(separator: ",")
    let allowSource = allow != nil ? "command line" : file?.allow != nil ? "node.json" : "default"
    let (levelText, levelSource) = pick(logLevel, file?.logLevel, defaults.logLevel!)
    let batchSource =
      batch.batchBytes != nil ? "command line" : file?.batchBytes != nil ? "node.json" : "default"

    guard seconds > 0 else {
      throw UsageError(
        code: "config.interval", message: "interval \(seconds) (\(secondsSource)): use more than 0 seconds")
    }
    guard let level = Logger.Level(rawValue: levelText) else {
      throw UsageError(
        code: "config.log-level",
        message: "log level '\(levelText)' (\(levelSource)): use trace, debug, info, notice, warning or error"
      )
    }
    let (host, port) = try Self.bindAddress(address, "listen address", source: addressSource)
    let allowList: Set<NodeID>?
    do {
      allowList = try allowText.map { Set(try $0.split(separator: ",").map { try NodeID(String($0)) }) }
    } catch {
      throw UsageError(
        code: "config.allow",
        message: "allow list '\(allowText ?? "")' (\(allowSource)): \(Failure(error).message)")
    }
    let batchBytes = try batch.validated(fallback: file?.batchBytes ?? defaults.batchBytes!)
    let (scrub, scrubSource) = pick(scrubRate, file?.scrubMiBPerSecond, defaults.scrubMiBPerSecond!)
    guard scrub >= 0, scrub.isFinite else {
      throw UsageError(
        code: "config.scrub-rate",
        message: "evidence scrub rate \(scrub) MiB/s (\(scrubSource)): use 0 (off) or more")
    }
    let apiText = api ?? file?.api
    let apiSource = api != nil ? "command line" : "node.json"
    let plainHTTP = apiPlainHTTP || file?.apiPlainHTTP == true
    let certificate = apiCertificate ?? file?.apiCertificate
    let key = apiKey ?? file?.apiKey
    let apiListener = try apiText.map { text -> APIListenerSettings in
      let parsed = try Self.bindAddress(text, "API address", source: apiSource)
      guard !plainHTTP || APIServer.isLoopback(parsed.0) else {
        throw UsageError(
          code: "api.plain-http-not-loopback",
          message:
            "API address '\(text)' (\(apiSource)): plain HTTP is served on loopback only; other addresses get HTTPS"
        )
      }
      guard (certificate == nil) == (key == nil) else {
        throw UsageError(
          code: "config.api-certificate",
          message: "the API's certificate and key go together: give both (--api-cert, --api-key) or neither")
      }
      return APIListenerSettings(
        host: parsed.0, port: parsed.1, plainHTTP: plainHTTP, certificate: certificate, key: key)
    }
    return ResolvedServeSettings(
      host: host, port: port, interval: seconds, allowList: allowList, batchBytes: batchBytes,
      logLevel: level, api: apiListener, scrubBytesPerSecond: Int(scrub * 1_048_576),
      explained: [
        ("listen", address, addressSource), ("intervalSeconds", "\(seconds)", secondsSource),
        ("allow", allowText ?? "any federation node", allowSource),
        ("batchBytes", "\(batchBytes)", batchSource),
        ("logLevel", levelText, levelSource),
        ("scrubMiBPerSecond", scrub == 0 ? "0 (off)" : "\(scrub)", scrubSource),
        (
          "api", apiListener.map { "\($0.scheme)://\(apiText!)" } ?? "not served",
          apiText == nil ? "default" : apiSource
        ),
        (
          "apiCertificate", apiListener == nil || plainHTTP ? "-" : certificate ?? "the node's certificate",
          certificate == nil ? "default" : apiCertificate != nil ? "command line" : "node.json"
        ),
      ])
  }
}
