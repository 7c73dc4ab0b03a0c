__version__ = "0.0.1"


def _register_with_saelens():
    "Make `sae_lens.SAE.load_from_disk` read saved H-SAEs (architecture 'hsae'): see `hsae_saelens`."
    from polytope_hsae.hsae_saelens import register
    register()


def _after_saelens_import():
    "Register once `sae_lens` is imported, without importing it here (it takes seconds; most uses never need it)."
    import importlib.abc, importlib.util, sys
    if "sae_lens" in sys.modules:
        _register_with_saelens(); return

    class _Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "sae_lens": return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            if spec is None or spec.loader is None: return spec
            run = spec.loader.exec_module
            def exec_module(module):
                run(module)
                _register_with_saelens()
            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _Finder())


_after_saelens_import()
