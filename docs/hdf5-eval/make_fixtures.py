import h5py, numpy as np, os, json, netCDF4
os.chdir('/work/scratch/h5eval/fx')
manifest = {}  # file -> list of dataset paths
def put(fn, ds):
    manifest.setdefault(fn, []).append(ds)

def content(f, fn, latest):
    # contiguous
    a = np.arange(1000, dtype='<f8').reshape(100, 10) * 0.5
    f.create_dataset('contig_f8', data=a); put(fn, 'contig_f8')
    # compact
    f.create_dataset('compact_i4', data=np.arange(20, dtype='<i4'), layout=h5py.h5d.COMPACT) if False else None
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE); dcpl.set_layout(h5py.h5d.COMPACT)
    sp = h5py.h5s.create_simple((20,))
    d = h5py.h5d.create(f.id, b'compact_i4', h5py.h5t.STD_I32LE, sp, dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.arange(20, dtype='<i4')); put(fn, 'compact_i4')
    # big endian
    f.create_dataset('be_i4', data=np.arange(-50, 50, dtype='>i4')); put(fn, 'be_i4')
    f.create_dataset('be_f8_chunked', data=np.linspace(0, 1, 300).astype('>f8').reshape(30, 10), chunks=(7, 4), compression='gzip'); put(fn, 'be_f8_chunked')
    # bool (h5py enum)
    f.create_dataset('bool', data=np.array([True, False, True, True])); put(fn, 'bool')
    # chunked gzip+shuffle with unwritten chunks, fixed maxshape -> fixed array (latest) / btree v1 (earliest)
    d = f.create_dataset('chunk_gz_shuf_sparse', shape=(100, 80), dtype='<i2', chunks=(16, 16), compression='gzip', shuffle=True, fillvalue=-7)
    d[0:16, 0:16] = np.arange(256, dtype='<i2').reshape(16, 16)
    d[90:100, 70:80] = 5  # edge chunk
    put(fn, 'chunk_gz_shuf_sparse')
    # fletcher32
    f.create_dataset('fletcher', data=np.arange(500, dtype='<u4'), chunks=(64,), fletcher32=True); put(fn, 'fletcher')
    # single chunk (latest: single chunk index)
    f.create_dataset('single_chunk', data=np.arange(64, dtype='<f4').reshape(8, 8), chunks=(8, 8)); put(fn, 'single_chunk')
    # implicit index: chunked, no filter, early allocation, fixed dims
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE); dcpl.set_chunk((10,)); dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    sp = h5py.h5s.create_simple((95,))
    d = h5py.h5d.create(f.id, b'implicit_u1', h5py.h5t.STD_U8LE, sp, dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, (np.arange(95) % 256).astype('u1')); put(fn, 'implicit_u1')
    # extensible array (one unlimited dim)
    d = f.create_dataset('ext_array', shape=(0, 6), maxshape=(None, 6), dtype='<i8', chunks=(5, 6))
    for i in range(7):
        d.resize(d.shape[0] + 9, axis=0); d[-9:] = np.arange(54).reshape(9, 6) + 100 * i
    put(fn, 'ext_array')
    # many chunks in an extensible array for the earliest btree / latest EA (for index growth)
    d = f.create_dataset('ext_array_big', shape=(3000,), maxshape=(None,), dtype='<i4', chunks=(3,), compression='gzip')
    d[:] = np.arange(3000, dtype='<i4'); put(fn, 'ext_array_big')
    # btree v2 (two unlimited)
    d = f.create_dataset('btree2', shape=(20, 20), maxshape=(None, None), dtype='<f4', chunks=(3, 4), compression='gzip', shuffle=True)
    d[:] = np.arange(400, dtype='<f4').reshape(20, 20); d.resize((25, 23)); d[20:, 20:] = 9
    put(fn, 'btree2')
    # nested groups + attributes
    g = f.create_group('a/b/c')
    g.create_dataset('deep', data=np.arange(10, dtype='<u2')); put(fn, 'a/b/c/deep')
    g.attrs['units'] = 'm/s'; g.attrs['scale'] = np.float32(2.5); g.attrs['vec'] = np.arange(3)
    # many attributes -> dense attribute storage (latest)
    h = f.create_group('dense_attrs')
    for i in range(40): h.attrs[f'attr{i:02d}'] = i
    h.create_dataset('x', data=np.arange(3, dtype='<i4')); put(fn, 'dense_attrs/x')
    # many links -> dense links (latest) / big symbol table (earliest)
    k = f.create_group('many')
    for i in range(30): k.create_dataset(f'd{i:02d}', data=np.full(4, i, dtype='<i2'))
    put(fn, 'many/d17')

for fn, kw in [('earliest.h5', dict(libver='earliest')),
               ('latest.h5', dict(libver='latest')),
               ('paged.h5', dict(libver='latest', fs_strategy='page', fs_page_size=4096, fs_persist=True)),
               ('v110.h5', dict(libver=('v110', 'latest')))]:
    with h5py.File(fn, 'w', **kw) as f:
        content(f, fn, 'latest' in str(kw))

# big chunk index: ~60k chunks, latest (fixed array) and earliest (btree v1), plus EA and BT2
for fn, kw in [('bigidx_latest.h5', dict(libver='latest')), ('bigidx_earliest.h5', dict(libver='earliest'))]:
    with h5py.File(fn, 'w', **kw) as f:
        d = f.create_dataset('fa', shape=(60000, 4), dtype='<i4', chunks=(1, 4))
        d.id.write(h5py.h5s.ALL, h5py.h5s.ALL, np.arange(240000, dtype='<i4').reshape(60000, 4))
        put(fn, 'fa')
        if 'latest' in fn:
            d = f.create_dataset('ea', shape=(60000, 4), maxshape=(None, 4), dtype='<i4', chunks=(1, 4))
            d[:] = np.arange(240000, dtype='<i4').reshape(60000, 4); put(fn, 'ea')
            d = f.create_dataset('bt2', shape=(300, 800), maxshape=(None, None), dtype='<i4', chunks=(1, 4))
            d[:] = np.arange(240000, dtype='<i4').reshape(300, 800); put(fn, 'bt2')

# netCDF-4
with netCDF4.Dataset('nc4.nc', 'w', format='NETCDF4') as nc:
    nc.createDimension('time', None); nc.createDimension('lat', 5); nc.createDimension('lon', 7)
    t = nc.createVariable('time', 'f8', ('time',)); t.units = 'days since 2000-01-01'
    v = nc.createVariable('temp', 'i2', ('time', 'lat', 'lon'), zlib=True, complevel=4, shuffle=True, fill_value=-999)
    v.scale_factor = 0.01; v.add_offset = 273.15
    v.set_auto_maskandscale(False)
    t[0:12] = np.arange(12)
    v[0:12] = (np.arange(12 * 35).reshape(12, 5, 7) - 200).astype('i2')
    lat = nc.createVariable('lat', 'f4', ('lat',)); lat[:] = np.linspace(-10, 10, 5)
    g = nc.createGroup('sub'); w = g.createVariable('w', 'f4', ('lat', 'lon')); w[:] = np.arange(35, dtype='f4').reshape(5, 7)
put('nc4.nc', 'time'); put('nc4.nc', 'temp'); put('nc4.nc', 'lat'); put('nc4.nc', 'sub/w')

# dump reference values (native little-endian) via h5py
os.makedirs('ref', exist_ok=True)
for fn, dss in manifest.items():
    with h5py.File(fn, 'r') as f:
        for ds in dss:
            a = f[ds][()]
            if a.dtype == bool: a = a.astype('u1')
            a = a.astype(a.dtype.newbyteorder('<'))
            a.tofile(f'ref/{fn}__{ds.replace("/", "_")}.bin')
json.dump(manifest, open('manifest.json', 'w'), indent=1)
# index types as reported by h5py low level
for fn, dss in manifest.items():
    with h5py.File(fn, 'r') as f:
        sb = f.id.get_create_plist()
        out = []
        for ds in dss:
            d = f[ds]; pl = d.id.get_create_plist(); lay = pl.get_layout()
            out.append(f'{ds}:{ {0:"compact",1:"contig",2:"chunked"}.get(lay, lay)}')
        print(fn, 'sb', sb.get_version(), ' '.join(out))
