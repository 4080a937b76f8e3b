import Foundation
import LiandongApp
import LiandongCore
import LiandongErrors
import LiandongNode
import LiandongStore
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
  /// Where the HTTP API listens, if it is served.
  var api: (host: String, port: Int)?
  /// setting -> (value as written, source)
  var explained: [(String, String, String)]
}

struct ServeSettingsResolver {
  let file: ServeSettings?
  let listen: String?
  let interval: Double?
  let allow: String?
  let batch: BatchOption
  let logLevel: String?
  let api: String?

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
    let apiText = api ?? file?.api
    let apiSource = api != nil ? "command line" : "node.json"
    let apiAddress = try apiText.map { text -> (host: String, port: Int) in
      let parsed = try Self.bindAddress(text, "API address", source: apiSource)
      guard ["127.0.0.1", "::1", "localhost"].contains(parsed.0) || parsed.0.hasPrefix("127.") else {
        throw UsageError(
          code: "api.plain-http-not-loopback",
          message:
            "API address '\(text)' (\(apiSource)): the API speaks plain HTTP, so it listens on loopback only")
      }
      return (parsed.0, parsed.1)
    }
    return ResolvedServeSettings(
      host: host, port: port, interval: seconds, allowList: allowList, batchBytes: batchBytes,
      logLevel: level, api: apiAddress,
      explained: [
        ("listen", address, addressSource), ("intervalSeconds", "\(seconds)", secondsSource),
        ("allow", allowText ?? "any federation node", allowSource),
        ("batchBytes", "\(batchBytes)", batchSource),
        ("logLevel", levelText, levelSource),
        ("api", apiText ?? "not served", apiText == nil ? "default" : apiSource),
      ])
  }
}
