//! netCDF-4 files are HDF5 files: `fixtures/netcdf4_fixture.nc` was written
//! by netCDF4-python (`fixtures/make_netcdf4_fixture.py`), and
//! `fixtures/netcdf4_fixture.expected.txt` holds what netCDF4-python reads
//! from it (unpacked with `scale_factor`/`add_offset`, masked at
//! `_FillValue`). Every variable reads as an `H5Dataset` (packed int16 with
//! deflate and shuffle, big-endian float32 with fletcher32 and chunks never
//! written, a contiguous uint8 mask, an unlimited coordinate), through
//! lazy-hdf5's own reader, with the raw values of the script's formulas and,
//! unpacked with the file's attributes, netCDF4-python's values.

use std::collections::HashMap;

use lazy_core::{DatasetExt, DynSelection, SelectionItem};
use lazy_hdf5::{inspect, open_file, H5Dataset};
use ndarray::{Array, ArrayD};
use typenum::{U1, U2, U3};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture() -> lazy_hdf5::File {
    open_file(format!("{DIR}/netcdf4_fixture.nc")).unwrap()
}

/// netCDF4-python's values, by variable: `None` where masked.
fn expected() -> HashMap<String, Vec<Option<f64>>> {
    let text = std::fs::read_to_string(format!("{DIR}/netcdf4_fixture.expected.txt")).unwrap();
    let mut out: HashMap<String, Vec<Option<f64>>> = HashMap::new();
    let mut current = String::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        match line.split_once(' ') {
            Some((name, _len)) => {
                current = name.to_string();
                out.insert(current.clone(), Vec::new());
            }
            None => {
                let v = (line != "masked").then(|| line.parse::<f64>().unwrap());
                out.get_mut(&current).unwrap().push(v);
            }
        }
    }
    out
}

/// A numeric attribute: netCDF stores them as arrays of one value.
fn attr<T: hdf5_metno::H5Type + Copy>(ds: &hdf5_metno::Dataset, name: &str) -> T {
    let values = ds.attr(name).unwrap().read_raw::<T>().unwrap();
    assert_eq!(values.len(), 1, "attribute {name}");
    values[0]
}

/// `raw` unpacked as netCDF4-python does it: masked at `fill`, then
/// `raw * scale + offset` in f64.
fn unpack<T: Copy + PartialEq + Into<f64>>(
    raw: &ArrayD<T>,
    fill: T,
    scale: f64,
    offset: f64,
) -> Vec<Option<f64>> {
    raw.iter()
        .map(|&v| (v != fill).then(|| v.into() * scale + offset))
        .collect()
}

#[test]
fn packed_deflate_shuffle_variable_unpacks_to_netcdf4_values() {
    let file = fixture();
    let temp = H5Dataset::<i16, U3>::open(&file, "temperature").unwrap();
    assert_eq!(temp.reader(), "lazy-hdf5");
    let info = inspect(&file, "temperature").unwrap();
    assert_eq!(info.shape, vec![10, 6, 8]);
    assert_eq!(info.chunks, Some(vec![2, 3, 4]));
    assert_eq!(info.reader, "lazy-hdf5");

    // The raw values of the script's formula.
    let raw = temp.read_all().unwrap();
    let want = Array::from_shape_fn((10, 6, 8), |(t, y, x)| {
        let i = t * 48 + y * 8 + x;
        if i % 11 == 0 {
            -32767
        } else {
            (i as i64 * 7 - 1000) as i16
        }
    });
    assert_eq!(raw, want);

    // Unpacked with the attributes: netCDF4-python's values.
    let inner = temp.inner().unwrap();
    let (scale, offset) = (
        attr::<f64>(inner, "scale_factor"),
        attr::<f64>(inner, "add_offset"),
    );
    let fill = attr::<i16>(inner, "_FillValue");
    assert_eq!((scale, offset, fill), (0.01, 273.15, -32767));
    let expected = expected();
    assert_eq!(
        unpack(&raw.clone().into_dyn(), fill, scale, offset),
        expected["temperature"]
    );

    // A lazy slice reads the same values as the slice of the whole.
    let key = |items: Vec<SelectionItem>| DynSelection::from(items);
    let part = temp
        .read_dyn(&key(vec![
            SelectionItem::slice(Some(2), Some(7), None),
            SelectionItem::Index(1),
            SelectionItem::slice(None, None, Some(3)),
        ]))
        .unwrap();
    assert_eq!(part, raw.slice(ndarray::s![2..7, 1, ..;3]).into_dyn());
    let part = temp
        .read_dyn(&key(vec![
            SelectionItem::List(vec![9, 0, 4]),
            SelectionItem::slice(Some(-2), None, None),
            SelectionItem::slice(None, None, Some(-1)),
        ]))
        .unwrap();
    let want = raw
        .select(ndarray::Axis(0), &[9, 0, 4])
        .slice(ndarray::s![.., 4.., ..;-1])
        .to_owned()
        .into_dyn();
    assert_eq!(part, want);
}

#[test]
fn big_endian_fletcher32_variable_with_unwritten_chunks() {
    let file = fixture();
    let pres = H5Dataset::<f32, U3>::open(&file, "pressure").unwrap();
    assert_eq!(pres.reader(), "lazy-hdf5");
    let raw = pres.read_all().unwrap().into_dyn();
    let fill = attr::<f32>(pres.inner().unwrap(), "_FillValue");
    assert_eq!(fill, -1.0e30);
    // Time steps 5.. were never written: the fill value, from libhdf5.
    for (i, &v) in raw.iter().enumerate() {
        let want = if i < 5 * 48 {
            1000.0 + i as f32 * 0.25
        } else {
            fill
        };
        assert_eq!(v, want, "element {i}");
    }
    let widened = raw.mapv(f64::from);
    assert_eq!(
        unpack(&widened, f64::from(fill), 1.0, 0.0),
        expected()["pressure"]
    );
    // The same through libhdf5.
    let via = H5Dataset::<f32, U3>::open(&file, "pressure")
        .unwrap()
        .via_libhdf5(true);
    assert_eq!(via.read_all().unwrap().into_dyn(), raw);
}

#[test]
fn contiguous_mask_and_unlimited_coordinate() {
    let file = fixture();
    let flags = H5Dataset::<u8, U2>::open(&file, "flags").unwrap();
    assert_eq!(flags.reader(), "lazy-hdf5");
    assert_eq!(inspect(&file, "flags").unwrap().chunks, None);
    let got = flags.read_all().unwrap().into_dyn().mapv(f64::from);
    let want: Vec<Option<f64>> = (0..48).map(|i| Some(f64::from(i % 5))).collect();
    assert_eq!(got.iter().map(|&v| Some(v)).collect::<Vec<_>>(), want);
    assert_eq!(expected()["flags"], want);

    // The unlimited dimension's coordinate is chunked (HDF5 needs chunks
    // to grow a dataset), and a dimension scale.
    let time = H5Dataset::<f64, U1>::open(&file, "time").unwrap();
    assert!(inspect(&file, "time").unwrap().chunks.is_some());
    let got = time.read_all().unwrap();
    assert_eq!(got, Array::from_iter((0..10).map(|t| t as f64 * 6.0)));
    let want: Vec<Option<f64>> = got.iter().map(|&v| Some(v)).collect();
    assert_eq!(expected()["time"], want);
    let names = time.inner().unwrap().attr_names().unwrap();
    assert!(names.iter().any(|n| n == "CLASS"), "{names:?}");
    let temp = file.dataset("temperature").unwrap();
    let names = temp.attr_names().unwrap();
    assert!(names.iter().any(|n| n == "DIMENSION_LIST"), "{names:?}");
}

/// xarray's values (`open_dataset(...)[name].values`, CF-decoded), by
/// variable: `(dtype, values)`, NaN where masked.
fn xarray_values() -> HashMap<String, (String, Vec<f64>)> {
    let text = std::fs::read_to_string(format!("{DIR}/netcdf4_fixture.xarray.txt")).unwrap();
    let mut out = HashMap::new();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    while let Some(head) = lines.next() {
        let mut parts = head.split_whitespace();
        let (name, dtype) = (parts.next().unwrap(), parts.next().unwrap());
        let n: usize = parts.next().unwrap().parse().unwrap();
        let values = (&mut lines)
            .take(n)
            .map(|l| {
                if l == "nan" {
                    f64::NAN
                } else {
                    l.parse().unwrap()
                }
            })
            .collect();
        out.insert(name.to_string(), (dtype.to_string(), values));
    }
    out
}

/// The `Decoded` view with the file's own attributes (`Cf::from_hdf5`)
/// gives exactly xarray's values: packed int16 with scale_factor,
/// add_offset and _FillValue as float64, float32 with _FillValue and
/// chunks never written as float32; NaN where xarray has NaN.
#[test]
fn decoded_variables_equal_xarray() {
    use lazy_core::{Cf, Decoded};
    use lazy_hdf5::CfAttributes;
    let file = fixture();
    let want = xarray_values();
    let same = |got: Vec<f64>, name: &str| {
        let (_, values) = &want[name];
        assert_eq!(got.len(), values.len(), "{name}");
        for (k, (g, w)) in got.iter().zip(values).enumerate() {
            assert!(
                g == w || (g.is_nan() && w.is_nan()),
                "{name}[{k}]: {g} vs xarray {w}"
            );
        }
        assert!(values.iter().any(|v| v.is_nan()) && values.iter().any(|v| !v.is_nan()));
    };
    assert_eq!(want["temperature"].0, "float64");
    let t = H5Dataset::<i16, U3>::open(&file, "temperature").unwrap();
    let cf = Cf::from_hdf5(&t).unwrap();
    assert_eq!(
        (cf.scale_factor, cf.add_offset, cf.fill_value),
        (Some(0.01), Some(273.15), Some(-32767.0))
    );
    let got = Decoded::<f64, _>::new(t, cf).unwrap().read_all().unwrap();
    same(got.iter().copied().collect(), "temperature");
    assert_eq!(want["pressure"].0, "float32");
    let p = H5Dataset::<f32, U3>::open(&file, "pressure").unwrap();
    let cf = Cf::from_hdf5(&p).unwrap();
    let got = Decoded::<f32, _>::new(p, cf).unwrap().read_all().unwrap();
    same(got.iter().map(|&v| f64::from(v)).collect(), "pressure");
}

/// CF attributes of the wrong type or count are Value errors naming them.
#[test]
fn bad_cf_attributes_are_value_errors() {
    use lazy_core::{Cf, ErrorKind};
    use lazy_hdf5::CfAttributes;
    let dir = tempfile::tempdir().unwrap();
    let file = lazy_hdf5::create_file(dir.path().join("bad.h5")).unwrap();
    let data = ndarray::arr1(&[1i16, 2, 3]);
    let text = file
        .new_dataset_builder()
        .with_data(&data)
        .create("text")
        .unwrap();
    let s: hdf5_metno::types::VarLenUnicode = "0.5".parse().unwrap();
    text.new_attr::<hdf5_metno::types::VarLenUnicode>()
        .create("scale_factor")
        .unwrap()
        .write_scalar(&s)
        .unwrap();
    let range = file
        .new_dataset_builder()
        .with_data(&data)
        .create("range")
        .unwrap();
    range
        .new_attr::<i16>()
        .shape(3)
        .create("valid_range")
        .unwrap()
        .write(&[0i16, 1, 2])
        .unwrap();
    for (name, attr) in [("text", "scale_factor"), ("range", "valid_range")] {
        let ds = H5Dataset::<i16, U1>::open(&file, name).unwrap();
        let err = Cf::from_hdf5(&ds).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Value, "{err}");
        assert!(
            err.to_string().contains(attr) && err.to_string().contains(name),
            "{err}"
        );
    }
}
