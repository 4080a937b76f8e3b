import COpenSSL
import Foundation

/// A certificate revocation list published by the federation CA.
public final class RevocationList: @unchecked Sendable {
  /// The OpenSSL object, for the TLS layer of this package.
  package let pointer: OpaquePointer
  public let der: Data
  /// Read once: every received change's trust check compares it.
  public let issuerName: String
  public let lastUpdate: Date?
  /// A CRL without a next update never expires; one with a past next update is stale.
  public let nextUpdate: Date?
  /// The CA's sequence number for its lists (RFC 5280's CRL number extension): a higher one
  /// replaces a lower one. Nil when the list has none, or one too large to be a count.
  public let number: Int64?

  init(owning pointer: OpaquePointer) throws {
    self.pointer = pointer
    do {
      der = try MemoryBIO.writing { bio in
        guard i2d_X509_CRL_bio(bio, pointer) == 1 else {
          throw CryptoError.openSSL(function: "i2d_X509_CRL_bio", detail: OpenSSLErrors.drain())
        }
      }
    } catch {
      X509_CRL_free(pointer)  // `deinit` does not run for a half-made instance
      throw error
    }
    issuerName = Certificate.oneLine(X509_CRL_get_issuer(pointer))
    lastUpdate = ASN1Time.date(X509_CRL_get0_lastUpdate(pointer))
    nextUpdate = ASN1Time.date(X509_CRL_get0_nextUpdate(pointer))
    number = Self.crlNumber(pointer)
  }
  deinit { X509_CRL_free(pointer) }

  /// A CRL as DER bytes (how changes carry it).
  public convenience init(der: Data) throws {
    OpenSSLErrors.clear()
    let crl = try MemoryBIO.reading(der) { bio in d2i_X509_CRL_bio(bio, nil) }
    guard let crl else {
      throw CryptoError.unreadablePEM(what: "CRL (DER)", detail: OpenSSLErrors.drain())
    }
    try self.init(owning: crl)
  }

  /// PEM text of this list, as `crl.pem` holds it.
  public func pem() throws -> Data {
    try MemoryBIO.writing { bio in
      guard PEM_write_bio_X509_CRL(bio, pointer) == 1 else {
        throw CryptoError.openSSL(function: "PEM_write_bio_X509_CRL", detail: OpenSSLErrors.drain())
      }
    }
  }

  private static func crlNumber(_ crl: OpaquePointer) -> Int64? {
    guard let raw = X509_CRL_get_ext_d2i(crl, NID_crl_number, nil, nil) else {
      ERR_clear_error()
      return nil
    }
    let integer = raw.assumingMemoryBound(to: ASN1_INTEGER.self)
    defer { ASN1_INTEGER_free(integer) }
    var value: Int64 = 0
    guard ASN1_INTEGER_get_int64(&value, integer) == 1, value >= 0 else {
      ERR_clear_error()
      return nil
    }
    return value
  }

  /// Every CRL in a PEM file.
  public static func all(pem: Data) throws -> [RevocationList] {
    OpenSSLErrors.clear()
    let lists = try MemoryBIO.reading(pem) { bio -> [RevocationList] in
      var result: [RevocationList] = []
      while let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) {
        result.append(try RevocationList(owning: crl))
      }
      return result
    }
    ERR_clear_error()
    guard !lists.isEmpty else {
      throw CryptoError.unreadablePEM(what: "CRL", detail: "no X509 CRL block found")
    }
    return lists
  }

  /// When `certificate` was revoked by this list, or nil if it is not listed.
  public func revocationDate(of certificate: Certificate) -> Date? {
    var entry: OpaquePointer? = nil
    let found = X509_CRL_get0_by_serial(pointer, &entry, X509_get0_serialNumber(certificate.pointer))
    guard found == 1, let entry else { return nil }
    return ASN1Time.date(X509_REVOKED_get0_revocationDate(entry)) ?? .distantPast
  }

  /// True when the CA's key signed this list.
  func isSigned(by issuer: Certificate) -> Bool {
    if signedWithSM2 { return isSM2Signed(by: issuer) }
    guard let key = X509_get0_pubkey(issuer.pointer) else { return false }
    defer { ERR_clear_error() }
    return X509_CRL_verify(pointer, key) == 1
  }

  private var signedWithSM2: Bool { X509_CRL_get_signature_nid(pointer) == NID_SM2_with_SM3 }

  /// OpenSSL 3.0 cannot give a CRL a distinguishing ID, so `X509_CRL_verify` fails on every
  /// SM2-signed CRL. The signature is checked here instead, over the list's to-be-signed bytes
  /// with the ID set, exactly as the CA signed them (`openssl ca -gencrl -sigopt distid:`).
  private func isSM2Signed(by issuer: Certificate) -> Bool {
    guard let key = try? issuer.publicKey(), key.algorithm == .sm2 else { return false }
    var signature: UnsafePointer<ASN1_BIT_STRING>? = nil
    X509_CRL_get0_signature(pointer, &signature, nil)
    var tbs: UnsafeMutablePointer<UInt8>? = nil
    let length = i2d_re_X509_CRL_tbs(pointer, &tbs)
    guard length > 0, let tbs, let signature, let bytes = ASN1_STRING_get0_data(signature) else {
      ERR_clear_error()
      return false
    }
    defer { liandong_OPENSSL_free(tbs) }
    let signed = Data(bytes: tbs, count: Int(length))
    let signatureBytes = Data(bytes: bytes, count: Int(ASN1_STRING_length(signature)))
    return key.isValidSignature(signatureBytes, for: signed)
  }
}
