//! CF decoding of Zarr arrays: a store written by xarray with CF encoding
//! (`fixtures/xarray_cf.zarr`, `fixtures/make_xarray_cf_fixture.py`) read
//! through `Decoded` with `Cf::from_zarr` gives exactly what xarray's
//! `open_zarr` decodes (`fixtures/xarray_cf.expected.txt`); attributes of
//! the wrong type or count are Value errors naming them.

use lazy_core::{Cf, DatasetExt, Decoded, ErrorKind};
use lazy_zarr::{CfAttributes, CreateOptions, ZarrDataset};
use typenum::{U1, U2};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[test]
fn an_xarray_store_decodes_to_xarray_values() {
    let text = std::fs::read_to_string(format!("{DIR}/xarray_cf.expected.txt")).unwrap();
    let want: Vec<f64> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            if l == "nan" {
                f64::NAN
            } else {
                l.parse().unwrap()
            }
        })
        .collect();
    let t = ZarrDataset::<i16, U2>::open(format!("{DIR}/xarray_cf.zarr"), "temperature").unwrap();
    let cf = Cf::from_zarr(&t).unwrap();
    assert_eq!(
        (cf.scale_factor, cf.add_offset, cf.fill_value),
        (Some(0.01), Some(273.15), Some(-32767.0))
    );
    let got = Decoded::<f64, _>::new(t, cf).unwrap().read_all().unwrap();
    assert_eq!(got.shape(), &[30, 4]);
    assert_eq!(got.len(), want.len());
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            g == w || (g.is_nan() && w.is_nan()),
            "element {k}: {g} vs xarray {w}"
        );
    }
    assert!(want.iter().any(|v| v.is_nan()));
}

#[test]
fn bad_cf_attributes_are_value_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "text",
            serde_json::json!({"scale_factor": "0.5"}),
            "scale_factor",
        ),
        (
            "range",
            serde_json::json!({"valid_range": [0, 1, 2]}),
            "valid_range",
        ),
        (
            "two",
            serde_json::json!({"add_offset": [1.0, 2.0]}),
            "add_offset",
        ),
    ];
    for (name, attrs, attr) in cases {
        let a = ZarrDataset::<i16, U1>::create(dir.path(), name, &[3], &CreateOptions::default())
            .unwrap();
        let mut array = a.into_inner();
        array
            .attributes_mut()
            .extend(attrs.as_object().unwrap().clone());
        array.store_metadata().unwrap();
        let ds = ZarrDataset::<i16, U1>::open(dir.path(), name).unwrap();
        let err = Cf::from_zarr(&ds).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{err}");
        assert!(
            err.to_string().contains(attr) && err.to_string().contains(name),
            "{err}"
        );
    }
}
