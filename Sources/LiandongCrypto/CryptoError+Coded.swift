import LiandongErrors

extension CryptoError: CodedError {}
