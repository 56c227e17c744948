//! The manifest parser and validator: any JSON a developer can send as a manifest.
//! Invariants: no panic; a refusal names at least one problem, each with a `$` path; an
//! accepted manifest's canonical JSON is accepted again as the same manifest and is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trestle_domain::manifest::Manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    match Manifest::parse(&value) {
        Ok(m) => {
            let canonical = m.to_json();
            let again = Manifest::parse(&canonical).expect("the canonical form of a valid manifest is valid");
            assert_eq!(again, m, "the canonical form reads back as the same manifest");
            assert_eq!(again.to_json(), canonical, "the canonical form is stable");
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "a refused manifest names its problems");
            for p in &problems {
                assert!(p.path.starts_with('$'), "problem path {:?} is a JSONPath", p.path);
                assert!(!p.reason.is_empty(), "problem at {} has a reason", p.path);
            }
        }
    }
});
