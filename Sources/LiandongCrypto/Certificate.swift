import COpenSSL
import Foundation

/// An X.509 certificate held by OpenSSL. Immutable after loading, so shared freely.
///
/// What every received change's trust check reads (fingerprint, validity, names, node identity)
/// is read once, when the certificate is loaded: computed on each call, hashing the DER and
/// printing names through a BIO, it was a tenth of a receiving node's committing thread.
public final class Certificate: @unchecked Sendable, CustomStringConvertible {
  /// The OpenSSL object, for the TLS layer of this package.
  package let pointer: OpaquePointer
  /// The DER encoding: what travels in a node's announcement and what the fingerprint hashes.
  public let der: Data
  /// The DER encoding's hash under the suite the certificate was signed in: SHA-256
  /// (`openssl x509 -fingerprint -sha256`), or SM3 for one signed with SM2 (`-sm3`). Changes
  /// name their signer by it, so it follows the federation's suite.
  public let fingerprint: Data
  /// The suite of the signature over this certificate: `sm` when its issuer signed with SM2.
  public let signatureSuite: CryptoSuite
  public let notBefore: Date
  public let notAfter: Date
  public let subjectName: String
  public let issuerName: String
  private let identity: Result<String, CryptoError>

  /// Takes ownership of one reference.
  package init(owning pointer: OpaquePointer) throws {
    self.pointer = pointer
    OpenSSLErrors.clear()
    do {
      der = try MemoryBIO.writing { bio in
        guard i2d_X509_bio(bio, pointer) == 1 else {
          throw CryptoError.openSSL(function: "i2d_X509_bio", detail: OpenSSLErrors.drain())
        }
      }
    } catch {
      X509_free(pointer)  // `deinit` does not run for a half-made instance
      throw error
    }
    let signedWithSM2 = X509_get_signature_nid(pointer) == NID_SM2_with_SM3
    signatureSuite = signedWithSM2 ? .sm : .p256
    fingerprint = signatureSuite.digest.hash(der)
    // OpenSSL checks an SM2 signature over a certificate with the ID set on that certificate
    // (none by default). Set once here, before the certificate is shared, so every chain
    // check (ours or a TLS handshake's) verifies it as `openssl verify -vfyopt distid:` does.
    if signedWithSM2 { SM2.giveDistinguishingID(toCertificate: pointer) }
    notBefore = ASN1Time.date(X509_get0_notBefore(pointer)) ?? .distantFuture
    notAfter = ASN1Time.date(X509_get0_notAfter(pointer)) ?? .distantPast
    subjectName = Self.oneLine(X509_get_subject_name(pointer))
    issuerName = Self.oneLine(X509_get_issuer_name(pointer))
    identity = Self.nodeIdentity(sanURIs: Self.sanURIs(pointer))
  }
  deinit { X509_free(pointer) }

  public convenience init(der: Data) throws {
    OpenSSLErrors.clear()
    let cert = try MemoryBIO.reading(der) { bio in d2i_X509_bio(bio, nil) }
    guard let cert else {
      throw CryptoError.unreadablePEM(what: "certificate (DER)", detail: OpenSSLErrors.drain())
    }
    try self.init(owning: cert)
  }

  /// Every certificate in a PEM file, in file order (leaf first for a chain file).
  public static func chain(pem: Data) throws -> [Certificate] {
    OpenSSLErrors.clear()
    let certificates = try MemoryBIO.reading(pem) { bio -> [Certificate] in
      var result: [Certificate] = []
      while let cert = PEM_read_bio_X509(bio, nil, nil, nil) {
        result.append(try Certificate(owning: cert))
      }
      return result
    }
    ERR_clear_error()  // reading past the last block always leaves "no start line"
    guard !certificates.isEmpty else {
      throw CryptoError.unreadablePEM(what: "certificate", detail: "no certificate found")
    }
    return certificates
  }

  /// PEM text of this certificate.
  public func pem() throws -> Data {
    try MemoryBIO.writing { bio in
      guard PEM_write_bio_X509(bio, pointer) == 1 else {
        throw CryptoError.openSSL(function: "PEM_write_bio_X509", detail: OpenSSLErrors.drain())
      }
    }
  }

  /// The serial number in upper-case hexadecimal, as `openssl x509 -serial` prints it.
  public var serialHex: String {
    guard let bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(pointer), nil) else { return "?" }
    defer { BN_free(bn) }
    guard let text = BN_bn2hex(bn) else { return "?" }
    defer { liandong_OPENSSL_free(text) }
    return String(cString: text)
  }

  static func oneLine(_ name: OpaquePointer?) -> String {
    guard let name else { return "" }
    let text = try? MemoryBIO.writing { bio in
      _ = X509_NAME_print_ex(bio, name, 0, liandong_XN_FLAG_RFC2253())
    }
    return text.map { String(decoding: $0, as: UTF8.self) } ?? ""
  }

  public func publicKey() throws -> PublicKey {
    guard let key = X509_get_pubkey(pointer) else {
      throw CryptoError.openSSL(function: "X509_get_pubkey", detail: OpenSSLErrors.drain())
    }
    return PublicKey(owning: key)
  }

  /// Every URI in the subject alternative names.
  public var sanURIs: [String] { Self.sanURIs(pointer) }

  private static func sanURIs(_ pointer: OpaquePointer) -> [String] {
    guard let raw = X509_get_ext_d2i(pointer, NID_subject_alt_name, nil, nil) else { return [] }
    let names = OpaquePointer(raw)
    defer { GENERAL_NAMES_free(names) }
    var uris: [String] = []
    for index in 0..<liandong_sk_GENERAL_NAME_num(names) {
      guard let name = liandong_sk_GENERAL_NAME_value(names, index), name.pointee.type == GEN_URI,
        let ia5 = name.pointee.d.uniformResourceIdentifier,
        let bytes = ASN1_STRING_get0_data(ia5)
      else { continue }
      uris.append(
        String(
          decoding: UnsafeBufferPointer(start: bytes, count: Int(ASN1_STRING_length(ia5))), as: UTF8.self))
    }
    return uris
  }

  /// The node ID named by the SAN URI `urn:liandong:node:<id>`. Exactly one such URI must exist.
  public func nodeIdentity() throws(CryptoError) -> String { try identity.get() }

  private static func nodeIdentity(sanURIs: [String]) -> Result<String, CryptoError> {
    let prefix = "urn:liandong:node:"
    let candidates = sanURIs.filter { $0.lowercased().hasPrefix(prefix) }
    guard let uri = candidates.first else { return .failure(.missingNodeIdentity) }
    let id = String(uri.dropFirst(prefix.count))
    guard candidates.count == 1, uri.hasPrefix(prefix), NodeIdentifierSyntax.isValid(id) else {
      return .failure(.malformedNodeIdentity(uri: candidates.joined(separator: ", ")))
    }
    return .success(id)
  }

  public var description: String { "\(subjectName) (serial \(serialHex))" }
}

/// The node ID syntax lives here as well as in the core because a certificate's identity is read
/// before any domain object exists.
public enum NodeIdentifierSyntax {
  public static func isValid(_ id: String) -> Bool {
    (2...32).contains(id.utf8.count)
      && id.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d }
  }
}

enum ASN1Time {
  static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
    guard let time else { return nil }
    var parts = tm()
    guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
    return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
  }

  static func date(_ time: OpaquePointer?) -> Date? {
    date(UnsafePointer<ASN1_TIME>(time))
  }
}

extension Date {
  /// ISO 8601 in UTC, the form every message here uses for an instant.
  /// Formatted by hand from `gmtime_r`: a formatter per call cost a tenth of a sync's time, and
  /// a shared one is not thread-safe.
  public var iso8601: String {
    var seconds = time_t(timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
      + "\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
  }
}

extension Date {
  /// Reads `iso8601`'s own form (`2026-12-03T08:00:00Z`) by hand, as it is written, and any other
  /// ISO 8601 instant through a formatter: an account's token is checked on every request, and
  /// a formatter made per call was a twentieth of each answer's time.
  public init?(iso8601 text: String) {
    let digits = Array(text.utf8)
    func number(_ range: Range<Int>) -> Int32? {
      var value: Int32 = 0
      for index in range {
        let digit = digits[index]
        guard (0x30...0x39).contains(digit) else { return nil }
        value = value * 10 + Int32(digit - 0x30)
      }
      return value
    }
    if digits.count == 20, digits[4] == 0x2D, digits[7] == 0x2D, digits[10] == 0x54, digits[13] == 0x3A,
      digits[16] == 0x3A, digits[19] == 0x5A,
      let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
      let hour = number(11..<13),
      let minute = number(14..<16), let second = number(17..<19),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    {
      var parts = tm()
      (parts.tm_year, parts.tm_mon, parts.tm_mday) = (year - 1900, month - 1, day)
      (parts.tm_hour, parts.tm_min, parts.tm_sec) = (hour, minute, second)
      self.init(timeIntervalSince1970: TimeInterval(timegm(&parts)))
      return
    }
    guard let parsed = ISO8601DateFormatter().date(from: text) else { return nil }
    self = parsed
  }
}
