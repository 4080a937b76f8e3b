import Foundation

/// A progress line on standard error, so the table on standard output stays clean.
func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
