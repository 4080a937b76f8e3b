import Foundation
import LiandongCore
import LiandongErrors
import LiandongStore
import Synchronization

extension NodeApp {
  /// The division list new input is checked against: the file `node.json` names as
  /// `divisions`, else the one built into liandong (also for a node held in memory).
  public func divisionList() throws -> DivisionList {
    guard let path = (local as? NodeHome)?.configuration.divisions, !path.isEmpty else {
      return try DivisionLists.builtIn()
    }
    return try DivisionLists.read(path)
  }
}

/// Division lists, parsed once per file version.
enum DivisionLists {
  private static let cache = Mutex<[String: (modified: Date?, list: DivisionList)]>([:])

  static func builtIn() throws -> DivisionList {
    if let held = cache.withLock({ $0[""] }) { return held.list }
    let list = try DivisionList(
      tsv: String(decoding: PackageResources.cn_divisions_tsv, as: UTF8.self),
      source: "built in: National Bureau of Statistics, 2023")
    cache.withLock { $0[""] = (nil, list) }
    return list
  }

  /// An operator's list; read again when the file changes, so an update needs no restart.
  static func read(_ path: String) throws -> DivisionList {
    let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    if let held = cache.withLock({ $0[path] }), held.modified == modified, modified != nil {
      return held.list
    }
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw CoreError.invalidDivisionList(
        "cannot read \(path), named in node.json: \(SystemError.reason(error))")
    }
    let list = try DivisionList(tsv: String(decoding: data, as: UTF8.self), source: path)
    cache.withLock { $0[path] = (modified, list) }
    return list
  }
}
