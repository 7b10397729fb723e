/**
 * The demo operator's footprint: real north-west and south-west Chinese provinces, cities
 * and districts (the seeds' cable operator sits in Gansu, with Jiuquan as the example
 * branch). Sizes are deliberately unequal — a home province with most subscribers, small
 * neighbours — so region reports have both large and thin cells. Rural counties get
 * worse network coverage than city districts: that is the geographic churn driver the
 * deck asks reports to find ("某些地區的網絡覆蓋不好").
 */
import { Categorical, Rng } from './random.ts';

interface DistrictDef {
  readonly name: string;
  readonly weight: number;
  /** County-level (县/县级市) areas are rural: weaker coverage. */
  readonly rural: boolean;
}

interface CityDef {
  readonly name: string;
  readonly weight: number;
  readonly districts: readonly DistrictDef[];
}

interface ProvinceDef {
  readonly name: string;
  readonly weight: number;
  readonly cities: readonly CityDef[];
}

const d = (name: string, weight: number, rural = false): DistrictDef => ({ name, weight, rural });

export const PROVINCES: readonly ProvinceDef[] = [
  {
    name: '甘肃',
    weight: 42,
    cities: [
      { name: '兰州', weight: 38, districts: [d('城关区', 40), d('七里河区', 25), d('安宁区', 15), d('西固区', 14), d('榆中县', 6, true)] },
      { name: '酒泉', weight: 18, districts: [d('肃州区', 50), d('玉门市', 18, true), d('敦煌市', 20, true), d('金塔县', 12, true)] },
      { name: '天水', weight: 16, districts: [d('秦州区', 45), d('麦积区', 35), d('甘谷县', 20, true)] },
      { name: '定西', weight: 10, districts: [d('安定区', 50), d('陇西县', 30, true), d('通渭县', 20, true)] },
      { name: '张掖', weight: 10, districts: [d('甘州区', 70), d('临泽县', 30, true)] },
      { name: '嘉峪关', weight: 8, districts: [d('雄关区', 60), d('镜铁区', 40)] },
    ],
  },
  {
    name: '陕西',
    weight: 20,
    cities: [
      { name: '西安', weight: 60, districts: [d('雁塔区', 30), d('碑林区', 20), d('未央区', 25), d('长安区', 25)] },
      { name: '宝鸡', weight: 22, districts: [d('渭滨区', 40), d('金台区', 40), d('岐山县', 20, true)] },
      { name: '咸阳', weight: 18, districts: [d('秦都区', 50), d('渭城区', 30), d('兴平市', 20, true)] },
    ],
  },
  {
    name: '四川',
    weight: 18,
    cities: [
      { name: '成都', weight: 64, districts: [d('锦江区', 25), d('武侯区', 30), d('青羊区', 25), d('双流区', 20)] },
      { name: '绵阳', weight: 20, districts: [d('涪城区', 50), d('游仙区', 30), d('江油市', 20, true)] },
      { name: '南充', weight: 16, districts: [d('顺庆区', 45), d('高坪区', 35), d('阆中市', 20, true)] },
    ],
  },
  {
    name: '宁夏',
    weight: 8,
    cities: [
      { name: '银川', weight: 75, districts: [d('兴庆区', 40), d('金凤区', 35), d('西夏区', 25)] },
      { name: '石嘴山', weight: 25, districts: [d('大武口区', 60), d('惠农区', 40)] },
    ],
  },
  {
    name: '青海',
    weight: 7,
    cities: [
      { name: '西宁', weight: 80, districts: [d('城东区', 30), d('城西区', 35), d('城中区', 35)] },
      { name: '海东', weight: 20, districts: [d('乐都区', 60, true), d('平安区', 40, true)] },
    ],
  },
  {
    name: '新疆',
    weight: 5,
    cities: [
      { name: '乌鲁木齐', weight: 80, districts: [d('天山区', 35), d('沙依巴克区', 35), d('新市区', 30)] },
      { name: '哈密', weight: 20, districts: [d('伊州区', 100, true)] },
    ],
  },
];

export interface District {
  readonly index: number;
  readonly province: string;
  readonly provinceIndex: number;
  readonly city: string;
  readonly district: string;
  /** `province/city/district` as the contract writes it. */
  readonly region: string;
  readonly rural: boolean;
  /** Network coverage/quality in (0, 1]; 1 = flawless. Drives dropped calls, repairs, coverage churn. */
  readonly quality: number;
}

/** The footprint of one data set: district qualities vary with the seed, names do not. */
export class Footprint {
  readonly districts: readonly District[];
  private readonly picker: Categorical<District>;

  constructor(rng: Rng) {
    const districts: District[] = [];
    const weights: number[] = [];
    PROVINCES.forEach((p, provinceIndex) => {
      const cityTotal = p.cities.reduce((s, c) => s + c.weight, 0);
      for (const c of p.cities) {
        const districtTotal = c.districts.reduce((s, x) => s + x.weight, 0);
        for (const x of c.districts) {
          const base = x.rural ? 0.72 : 0.9;
          const quality = Math.min(0.99, Math.max(0.45, base + 0.07 * rng.normal()));
          districts.push({
            index: districts.length,
            province: p.name,
            provinceIndex,
            city: c.name,
            district: x.name,
            region: `${p.name}/${c.name}/${x.name}`,
            rural: x.rural,
            quality,
          });
          weights.push(p.weight * (c.weight / cityTotal) * (x.weight / districtTotal));
        }
      }
    });
    this.districts = districts;
    this.picker = new Categorical(districts, weights);
  }

  pick(rng: Rng): District {
    return this.picker.sample(rng);
  }

  /** Mean quality of a province weighted equally per district (feeds the survey ratings). */
  provinceQuality(province: string): number {
    const ds = this.districts.filter((x) => x.province === province);
    return ds.reduce((s, x) => s + x.quality, 0) / Math.max(1, ds.length);
  }
}
