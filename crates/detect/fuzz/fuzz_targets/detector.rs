//! Frame sequences through the detector with small bounds and thresholds.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wormscope_detect::fuzzing::detector_target(data);
});
