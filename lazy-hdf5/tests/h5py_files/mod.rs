//! The h5py fixtures of the pure reader's tests (`pure_reader.rs`) and the
//! URL tests (`url.rs`): the same datasets written by h5py in five kinds of
//! file.
#![allow(dead_code)]

use std::path::Path;

use lazy_core::{DynSelection, SelectionItem};

/// The five files `MAKE` writes, one per kind of HDF5 file.
pub const KINDS: [&str; 5] = [
    "earliest.h5",
    "latest.h5",
    "paged.h5",
    "v110.h5",
    "userblock.h5",
];

/// A dataset h5py wrote: file, dataset, numpy dtype, shape.
pub type Listed = (String, String, String, Vec<usize>);

/// Writes the fixtures into `argv[1]`, with each dataset's values in
/// `<file>__<dataset>.bin` (little-endian, bools as bytes), and prints one
/// line per dataset: file, dataset, numpy dtype, shape.
pub const MAKE: &str = r#"
import sys, os, h5py, numpy as np
out = sys.argv[1]
listed = []

def content(f):
    f.create_dataset('contig_f8', data=np.arange(1000, dtype='<f8').reshape(100, 10) * 0.5)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE); dcpl.set_layout(h5py.h5d.COMPACT)
    d = h5py.h5d.create(f.id, b'compact_i4', h5py.h5t.STD_I32LE, h5py.h5s.create_simple((20,)), dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.arange(20, dtype='<i4') - 7)
    f.create_dataset('be_i4', data=np.arange(-50, 50, dtype='>i4'))
    f.create_dataset('be_f8_chunked', data=np.linspace(0, 1, 300).astype('>f8').reshape(30, 10),
                     chunks=(7, 4), compression='gzip')
    f.create_dataset('bool', data=np.array([True, False, True, True]))
    f.create_dataset('bool_chunked', data=np.arange(100) % 3 == 0, chunks=(16,), compression='gzip')
    d = f.create_dataset('sparse_gz_shuf', shape=(100, 80), dtype='<i2', chunks=(16, 16),
                         compression='gzip', shuffle=True, fillvalue=-7)
    d[0:16, 0:16] = np.arange(256, dtype='<i2').reshape(16, 16)
    d[90:100, 70:80] = 5  # an edge chunk
    f.create_dataset('fletcher', data=np.arange(500, dtype='<u4'), chunks=(64,), fletcher32=True)
    f.create_dataset('single_chunk', data=np.arange(64, dtype='<f4').reshape(8, 8), chunks=(8, 8))
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE); dcpl.set_chunk((10,))
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    d = h5py.h5d.create(f.id, b'implicit_u1', h5py.h5t.STD_U8LE, h5py.h5s.create_simple((95,)), dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, (np.arange(95) * 3 % 256).astype('u1'))
    d = f.create_dataset('fixed_array_u2', shape=(50, 30), dtype='<u2', chunks=(8, 7))
    d[:, :] = (np.arange(1500) % 65536).reshape(50, 30)
    d = f.create_dataset('ext_array', shape=(0, 6), maxshape=(None, 6), dtype='<i8', chunks=(5, 6))
    for i in range(7):
        d.resize(d.shape[0] + 9, axis=0); d[-9:] = np.arange(54).reshape(9, 6) + 100 * i
    d = f.create_dataset('ext_array_big', shape=(3000,), maxshape=(None,), dtype='<i4', chunks=(3,),
                         compression='gzip')
    d[:] = np.arange(3000, dtype='<i4')
    d = f.create_dataset('btree2', shape=(20, 20), maxshape=(None, None), dtype='<f4', chunks=(3, 4),
                         compression='gzip', shuffle=True, fillvalue=1.5)
    d[:] = np.arange(400, dtype='<f4').reshape(20, 20); d.resize((25, 23)); d[20:, 20:] = 9
    d = f.create_dataset('unwritten', shape=(10, 10), dtype='<f8', chunks=(5, 5), fillvalue=2.25)
    f.create_dataset('scalar_i8', data=np.int64(-123456789012))
    f.create_group('a/b/c').create_dataset('deep', data=np.arange(10, dtype='<u2'))
    k = f.create_group('many')
    for i in range(30):
        k.create_dataset(f'd{i:02d}', data=np.full(4, i, dtype='<i2'))
    f.create_dataset('lzf', data=np.arange(100, dtype='<i4'), chunks=(10,), compression='lzf')
    f.create_dataset('strings', data=np.array([b'ab', b'cd']))
    # Attributes of every kind h5py writes (the many of `many` are stored
    # densely in files of libver latest), and a dimension scale.
    f.attrs['title'] = 'run 1'
    f.attrs['version'] = np.int32(3)
    f.attrs['fixed'] = np.bytes_(b'abc')
    f.attrs['fixed_list'] = np.array([b'a', b'bcd'])
    f.attrs['names'] = np.array(['x', 'yz'], dtype=h5py.string_dtype())
    f.attrs['flags'] = np.array([True, False, True])
    a = f['contig_f8'].attrs
    a['scale_factor'] = 0.5
    a['valid_range'] = np.array([0, 100], dtype='<i2')
    a['be_u8'] = np.array([1, 2**40], dtype='>u8')
    a['be_i2'] = np.array([-2, 3], dtype='>i2')
    a['f4'] = np.float32(1.5)
    a['i1'] = np.int8(-5)
    a['units'] = 'kelvin'
    a['matrix'] = np.arange(6, dtype='<u1').reshape(2, 3)
    for i in range(20):
        f['many'].attrs[f'a{i:02d}'] = np.int64(i * 1000)
    time = f.create_dataset('time', data=np.arange(4.0))
    time.make_scale('time')
    temp = f.create_dataset('temp', data=np.arange(12.0).reshape(4, 3))
    temp.dims[0].attach_scale(time)
    temp.attrs['compound'] = np.array((1, 2.0), dtype=[('a', '<i4'), ('b', '<f8')])

kinds = [('earliest.h5', dict(libver='earliest')),
         ('latest.h5', dict(libver='latest')),
         ('paged.h5', dict(libver='latest', fs_strategy='page', fs_page_size=4096, fs_persist=True)),
         ('v110.h5', dict(libver=('v110', 'latest'))),
         ('userblock.h5', dict(libver='latest', userblock_size=1024))]
for name, kw in kinds:
    with h5py.File(os.path.join(out, name), 'w', **kw) as f:
        content(f)
    with h5py.File(os.path.join(out, name), 'r') as f:
        def visit(path, obj):
            if isinstance(obj, h5py.Dataset) and path not in ('lzf', 'strings'):
                a = obj[()]
                if a.dtype == bool:
                    a = a.astype('u1')
                a = a.astype(a.dtype.newbyteorder('<'))
                a.tofile(os.path.join(out, name + '__' + path.replace('/', '_') + '.bin'))
                dt = obj.dtype.str.replace('>', '<').replace('|', '<')
                print(name, path, dt, ','.join(map(str, obj.shape)))
        f.visititems(visit)
        attrs = {}
        for path in ['/', '/contig_f8', '/many', '/time', '/temp']:
            got = attrs[path] = {}
            for key in f[path].attrs:
                dt = f[path].attrs.get_id(key).dtype
                shape = list(f[path].attrs.get_id(key).shape)
                v = f[path].attrs[key]
                text = h5py.check_string_dtype(dt)
                if dt.kind in 'iuf' or dt == bool:
                    kind = 'bool' if dt == bool else dt.kind
                    got[key] = [kind, dt.itemsize, shape, np.asarray(v).ravel().tolist()]
                elif text is not None:
                    vals = [x.decode() if isinstance(x, bytes) else x for x in np.asarray(v, dtype=object).ravel()]
                    got[key] = ['text', text.length, shape, vals]
                else:
                    got[key] = ['other', 0, shape, []]
        import json
        with open(os.path.join(out, name + '.attrs.json'), 'w') as j:
            json.dump(attrs, j)
"#;

/// Writes the fixtures into `dir` with h5py (`LAZY_DATASETS_PYTHON`) and
/// lists their datasets.
pub fn make(dir: &Path) -> Vec<Listed> {
    let listed = lazy_testkit::python::run_python("numpy h5py", MAKE, &[dir]);
    listed
        .lines()
        .map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            let shape = f[3]
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string(), shape)
        })
        .collect()
}

/// Selections of every kind for a dataset of `shape`: reversed, strided,
/// listed out of order with a repeat, integer indices.
pub fn selections(shape: &[usize]) -> Vec<DynSelection> {
    if shape.is_empty() {
        return vec![DynSelection::from(vec![])];
    }
    let n = shape[0] as isize;
    let mut out = vec![
        DynSelection::from(vec![SelectionItem::slice(None, None, Some(-1))]),
        DynSelection::from(vec![SelectionItem::slice(Some(1), None, Some(3))]),
        DynSelection::from(vec![SelectionItem::List(vec![n - 1, 0, n / 2, 0])]),
        DynSelection::from(vec![SelectionItem::Index(n / 2)]),
    ];
    if shape.len() == 2 {
        let m = shape[1] as isize;
        out.push(DynSelection::from(vec![
            SelectionItem::slice(Some(n / 3), None, Some(2)),
            SelectionItem::List(vec![m - 1, 0, m / 2]),
        ]));
        out.push(DynSelection::from(vec![
            SelectionItem::FULL,
            SelectionItem::slice(None, None, Some(-2)),
        ]));
    }
    out
}
