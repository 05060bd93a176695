//! Any bytes through the capture reader, the decoder and the protocol parsers.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wormscope_detect::fuzzing::reader_target(data);
});
