# The runs behind table.md (one job at a time on one core). BIN: the stereograd binary.
BIN=${BIN:-build/stereograd}
one() {  # folder, label: the synchronisation's check from eval3d.json
  r=$(OMP_NUM_THREADS=1 $BIN eval --method classical --data $1 --match-pairs 1 --out e_$2 2>/dev/null | grep -E "^\| sync" | cut -d'|' -f5)
  echo "$2 $r $(python3 -c "import json;d=json.load(open('e_$2/eval3d.json'))['sync'];print('%.2e'%d['frustration'],round(d['spread'],3),round(d['neighbour_disagreement_deg'],2))")"
}
g="--task single-axis --supersample 4"
for s in 1 2 3 4; do $BIN gen --shape icosahedron $g --count 1000 --seed $s --first-index 1000000 --out test$s >/dev/null; one test$s ico$s; done
for s in 3 1; do $BIN gen --shape icosahedron $g --count 4096 --seed $s --pseudo-labels --out tr$s >/dev/null; one tr$s ico${s}train; done
for sh in cube decahedron icosahedron; do
  $BIN gen --shape $sh $g --blur 1 --dose 30 --count 1000 --seed 1 --first-index 1000000 --out b_$sh >/dev/null; one b_$sh ${sh}_blur; done
for sh in cube octahedron cuboctahedron decahedron; do for s in 1 2 3 4 5; do
  $BIN gen --shape $sh $g --count 1000 --seed $s --first-index 1000000 --out d_$sh$s >/dev/null; one d_$sh$s $sh$s; done; done
