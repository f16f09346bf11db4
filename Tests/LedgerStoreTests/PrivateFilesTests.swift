import Testing

@testable import LedgerStore

@Suite struct PrivateFilesTests {
    /// Foundation on Linux traps on `("d" as NSString).deletingLastPathComponent`: a data dir or
    /// an output named with one character crashed the process.
    @Test(arguments: [
        ("d", "."), ("data", "."), ("x/y", "x"), ("/a", "/"), ("/", "/"), ("a/b/", "a"), ("/var/lib//data", "/var/lib"), ("./e", "."),
    ])
    func theParentOfAPath(path: String, parent: String) {
        #expect(PrivateFiles.parent(of: path) == parent)
    }
}
