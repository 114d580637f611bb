import h5py, numpy as np, os
def content(f, small=True):
    f.create_dataset('contig', data=np.arange(12, dtype='<f8').reshape(3,4))
    f.create_dataset('gz', data=np.arange(200, dtype='<i4').reshape(10,20), chunks=(5,5), compression='gzip', shuffle=True, fletcher32=True)
    d = f.create_dataset('fixed', data=np.arange(40, dtype='<i2').reshape(8,5), chunks=(2,5))
    d = f.create_dataset('ext', shape=(0,3), maxshape=(None,3), dtype='<i8', chunks=(2,3))
    d.resize((9,3)); d[:] = np.arange(27).reshape(9,3)
    d = f.create_dataset('bt2', shape=(6,6), maxshape=(None,None), dtype='<f4', chunks=(2,3), compression='gzip', fillvalue=1.5)
    d[:] = 1; d.resize((7,8)); d[6:,6:] = 9
    f.create_dataset('single', data=np.arange(10, dtype='>f4'), chunks=(10,))
    f.create_dataset('compact', data=np.arange(4, dtype='u1'))
    f.create_dataset('scalar', data=np.int64(-5))
    f.create_dataset('bool', data=np.array([True, False]))
    f.create_group('a/b').create_dataset('deep', data=np.arange(3, dtype='<u2'))
    g = f.create_group('many')
    for i in range(10):
        g.create_dataset(f'd{i}', data=np.full(2, i, dtype='<i2'))
    f.attrs['x'] = 1
kinds = [('earliest.h5', dict(libver='earliest')),
         ('latest.h5', dict(libver='latest')),
         ('paged.h5', dict(libver='latest', fs_strategy='page', fs_page_size=512, fs_persist=True)),
         ('v110.h5', dict(libver=('v110', 'latest'))),
         ('userblock.h5', dict(libver='latest', userblock_size=512))]
for n, kw in kinds:
    with h5py.File(n, 'w', **kw) as f:
        content(f)
# minimal ones
for n, kw in [('tiny_earliest.h5', dict(libver='earliest')), ('tiny_latest.h5', dict(libver='latest'))]:
    with h5py.File(n, 'w', **kw) as f:
        f.create_dataset('x', data=np.arange(6, dtype='<i4').reshape(2,3), chunks=(1,3), compression='gzip')
        d = f.create_dataset('e', shape=(2,), maxshape=(None,), dtype='<f8', chunks=(1,)); d[:] = 1
