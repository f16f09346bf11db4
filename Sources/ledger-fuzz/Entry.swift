import Foundation

#if FUZZING
/// libFuzzer's driver (compiler-rt, linked by `-sanitize=fuzzer`). SwiftPM makes `main` an
/// alias of this module's entry point, so the entry point starts the driver itself.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// One input, as libFuzzer hands it over.
@_cdecl("LLVMFuzzerTestOneInput")
public func ledgerFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    LedgerFuzz.run(input)
    return 0
}

/// Built by `Tools/fuzz` (`-sanitize=fuzzer -DFUZZING`): libFuzzer with its usual options.
@main
enum LedgerFuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in ledgerFuzzTestOneInput(data, size) })
    }
}
#else
/// Without the fuzzer (an ordinary build): runs the same checks on the files named, e.g.
/// `ledger-fuzz Tools/fuzz/corpus/*` to replay a crash input without sanitizers.
@main
enum LedgerFuzzReplay {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: ledger-fuzz FILE…  (the fuzzer itself: Tools/fuzz)\n".utf8))
            exit(64)
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("ledger-fuzz: cannot read \(path)\n".utf8))
                exit(66)
            }
            LedgerFuzz.run(Array(data))
        }
        print("ledger-fuzz: \(paths.count) input(s) passed")
    }
}
#endif
